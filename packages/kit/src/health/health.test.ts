import { Code, createClient, createRouterTransport } from "@connectrpc/connect";
import {
  Health as HealthService,
  HealthCheckResponse_ServingStatus as Status,
} from "@guardian/api";
import { describe, expect, it } from "vitest";
import { createMetrics } from "../metrics/metrics.js";
import { createHealth } from "./health.js";

const configService = "guardian.config.v1.ConfigService";

function setup() {
  const health = createHealth({ readinessTimeoutMs: 50 });
  const metrics = createMetrics({ defaultMetrics: false });
  const transport = createRouterTransport(health.routes, {
    router: { interceptors: [metrics.interceptor] },
  });
  return { health, metrics, client: createClient(HealthService, transport) };
}

describe("createHealth", () => {
  it("reports the overall status as SERVING and registered services as set", async () => {
    const { health, client } = setup();
    health.setStatus(configService, Status.NOT_SERVING);
    expect((await client.check({ service: "" })).status).toBe(Status.SERVING);
    expect((await client.check({ service: configService })).status).toBe(Status.NOT_SERVING);
    health.setStatus(configService, Status.SERVING);
    expect((await client.check({ service: configService })).status).toBe(Status.SERVING);
  });

  it("answers NotFound for a service name that was never registered", async () => {
    const { client } = setup();
    await expect(client.check({ service: "guardian.nope.v1.Nope" })).rejects.toMatchObject({
      code: Code.NotFound,
    });
  });

  it("streams the current status and every change to watchers", async () => {
    const { health, client } = setup();
    const controller = new AbortController();
    const it = client
      .watch({ service: configService }, { signal: controller.signal })
      [Symbol.asyncIterator]();
    expect((await it.next()).value?.status).toBe(Status.SERVICE_UNKNOWN);
    health.setStatus(configService, Status.SERVING);
    expect((await it.next()).value?.status).toBe(Status.SERVING);
    health.setStatus(configService, Status.SERVING);
    health.setStatus(configService, Status.NOT_SERVING);
    expect((await it.next()).value?.status).toBe(Status.NOT_SERVING);
    controller.abort();
  });

  it("reports NOT_SERVING everywhere after shutdown and ends watches with Unavailable", async () => {
    const { health, client, metrics } = setup();
    health.setStatus(configService, Status.SERVING);
    const seen: Status[] = [];
    const watching = (async () => {
      for await (const res of client.watch({ service: configService })) {
        seen.push(res.status);
        if (seen.length === 1) {
          health.shutdown();
        }
      }
    })();
    await expect(watching).rejects.toMatchObject({ code: Code.Unavailable });
    expect(seen).toEqual([Status.SERVING, Status.NOT_SERVING]);
    expect(health.shuttingDown).toBe(true);
    expect(health.check("")).toBe(Status.NOT_SERVING);
    health.setStatus(configService, Status.SERVING);
    expect((await client.check({ service: configService })).status).toBe(Status.NOT_SERVING);

    const text = await metrics.render();
    expect(text).toContain(
      'guardian_rpc_requests_total{service="grpc.health.v1.Health",method="Watch",code="unavailable"} 1',
    );
    expect(text).toContain(
      'guardian_rpc_in_flight{service="grpc.health.v1.Health",method="Watch"} 0',
    );
  });

  it("runs readiness checks, reporting failures and timeouts by name", async () => {
    const { health } = setup();
    health.addReadinessCheck("database", async () => {});
    health.addReadinessCheck("etcd", () => Promise.reject(new Error("no leader")));
    health.addReadinessCheck("redis", () => new Promise(() => {}));
    expect(await health.runReadiness()).toEqual({
      ok: false,
      checks: [
        { name: "database", ok: true },
        { name: "etcd", ok: false, error: "no leader" },
        { name: "redis", ok: false, error: "timed out after 50 ms" },
      ],
    });
  });

  it("is not ready once shutdown began, even when every check passes", async () => {
    const { health } = setup();
    health.addReadinessCheck("database", async () => {});
    expect((await health.runReadiness()).ok).toBe(true);
    health.shutdown();
    const report = await health.runReadiness();
    expect(report.ok).toBe(false);
    expect(report.checks).toContainEqual({ name: "shutdown", ok: false, error: "shutting down" });
  });
});

describe("createHealth with monitored dependencies", () => {
  const storeService = "guardian.store.v1.StoreService";

  it("reports NOT_SERVING for the services of a failing dependency, and SERVING again when it answers", async () => {
    const { health, client } = setup();
    let etcdUp = true;
    let probes = 0;
    await health.monitorDependencies(
      [
        { name: "postgres", check: async () => {} },
        {
          name: "etcd",
          services: [storeService],
          check: async () => {
            probes++;
            if (!etcdUp) throw new Error("etcd unreachable");
          },
        },
      ],
      { intervalMs: 10, timeoutMs: 50 },
    );
    health.setStatus(configService, Status.SERVING);
    health.setStatus(storeService, Status.SERVING);
    expect((await health.runReadiness()).ok).toBe(true);
    const controller = new AbortController();
    const watch = client
      .watch({ service: storeService }, { signal: controller.signal })
      [Symbol.asyncIterator]();
    expect((await watch.next()).value?.status).toBe(Status.SERVING);

    etcdUp = false;
    expect((await watch.next()).value?.status).toBe(Status.NOT_SERVING);
    expect((await client.check({ service: storeService })).status).toBe(Status.NOT_SERVING);
    expect((await client.check({ service: "" })).status).toBe(Status.NOT_SERVING);
    expect((await client.check({ service: configService })).status).toBe(Status.SERVING);
    const report = await health.runReadiness();
    expect(report.ok).toBe(false);
    expect(report.checks).toContainEqual({ name: "etcd", ok: false, error: "etcd unreachable" });

    etcdUp = true;
    expect((await watch.next()).value?.status).toBe(Status.SERVING);
    expect((await client.check({ service: "" })).status).toBe(Status.SERVING);
    controller.abort();

    // Probes read the latest outcome: they never run a check themselves.
    health.shutdown();
    const after = probes;
    await Promise.all(Array.from({ length: 20 }, () => health.runReadiness()));
    expect(probes).toBe(after);
  });

  it("fails a check that outlasts its timeout, and a check not yet run", async () => {
    const { health } = setup();
    let release: () => void = () => {};
    const first = health.monitorDependencies(
      [{ name: "store", check: () => new Promise<void>((resolve) => (release = resolve)) }],
      { intervalMs: 10_000, timeoutMs: 30 },
    );
    expect((await health.runReadiness()).checks).toEqual([
      { name: "store", ok: false, error: "not checked yet" },
    ]);
    await first;
    expect((await health.runReadiness()).checks).toEqual([
      { name: "store", ok: false, error: "timed out after 30 ms" },
    ]);
    release();
    health.shutdown();
  });
});
