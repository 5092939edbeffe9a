import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import {
  Health as HealthService,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "@guardian/api";
import { describe, expect, it } from "vitest";
import { createHealth } from "../health/health.js";
import { registerDependencyMetrics } from "./dependency-metrics.js";
import { createMetrics } from "./metrics.js";

describe("createMetrics", () => {
  it("includes process and Node.js runtime metrics by default", async () => {
    const text = await createMetrics().render();
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(text).toContain("nodejs_eventloop_lag_seconds");
    expect(text).toContain("# TYPE guardian_rpc_requests_total counter");
    expect(text).toContain("# TYPE guardian_rpc_duration_seconds histogram");
  });

  it("keeps registries independent when two exist in one process", async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    const client = createClient(
      HealthService,
      createRouterTransport(createHealth().routes, { router: { interceptors: [a.interceptor] } }),
    );
    await client.check({});
    expect(await a.render()).toContain(
      'guardian_rpc_requests_total{service="grpc.health.v1.Health",method="Check",code="ok"} 1',
    );
    expect(await b.render()).not.toContain("method=");
  });

  it("counts the code of failed calls, including errors that are not ConnectErrors", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const client = createClient(
      HealthService,
      createRouterTransport(
        (router) =>
          router.service(HealthService, {
            check(req) {
              if (req.service === "boom") {
                throw new Error("unexpected");
              }
              throw new ConnectError("denied", Code.PermissionDenied);
            },
          }),
        { router: { interceptors: [metrics.interceptor] } },
      ),
    );
    await expect(client.check({ service: "boom" })).rejects.toMatchObject({ code: Code.Internal });
    await expect(client.check({})).rejects.toMatchObject({ code: Code.PermissionDenied });
    const text = await metrics.render();
    const labels = 'service="grpc.health.v1.Health",method="Check"';
    expect(text).toContain(`guardian_rpc_requests_total{${labels},code="internal"} 1`);
    expect(text).toContain(`guardian_rpc_requests_total{${labels},code="permission_denied"} 1`);
    expect(text).toContain(`guardian_rpc_in_flight{${labels}} 0`);
  });

  it("counts started calls, open watch streams and the messages sent on them", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const health = createHealth();
    const client = createClient(
      HealthService,
      createRouterTransport(health.routes, { router: { interceptors: [metrics.interceptor] } }),
    );
    const labels = 'service="grpc.health.v1.Health",method="Watch"';
    const ac = new AbortController();
    const stream = client.watch({}, { signal: ac.signal })[Symbol.asyncIterator]();
    await stream.next();
    const open = await metrics.render();
    expect(open).toContain(`guardian_rpc_started_total{${labels}} 1`);
    expect(open).toContain(`guardian_rpc_streams_active{${labels}} 1`);
    expect(open).toContain(`guardian_rpc_stream_messages_sent_total{${labels}} 1`);
    health.setStatus("", ServingStatus.NOT_SERVING);
    await stream.next();
    ac.abort();
    await stream.next().catch(() => undefined);
    await waitUntil(async () =>
      (await metrics.render()).includes(`guardian_rpc_streams_active{${labels}} 0`),
    );
    const ended = await metrics.render();
    expect(ended).toContain(`guardian_rpc_stream_messages_sent_total{${labels}} 2`);
    expect(ended).toContain(`guardian_rpc_requests_total{${labels},code="canceled"} 1`);
    expect(ended).not.toContain(
      'guardian_rpc_streams_active{service="grpc.health.v1.Health",method="Check"}',
    );
  });

  it("reports each monitored dependency as up (1) or down (0), from its latest check", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const health = createHealth();
    registerDependencyMetrics(metrics.registry, () => health.dependencyResults());
    let postgresUp = false;
    await health.monitorDependencies(
      [
        {
          name: "postgres",
          check: async () => {
            if (!postgresUp) throw new Error("connection refused");
          },
        },
        { name: "store etcd", check: async () => {} },
      ],
      { intervalMs: 10, timeoutMs: 1_000 },
    );
    const down = await metrics.render();
    expect(down).toContain('guardian_dependency_up{dependency="postgres"} 0');
    expect(down).toContain('guardian_dependency_up{dependency="store etcd"} 1');
    postgresUp = true;
    await waitUntil(async () =>
      (await metrics.render()).includes('guardian_dependency_up{dependency="postgres"} 1'),
    );
    health.shutdown();
  });
});

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500 && !(await condition()); i++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(await condition()).toBe(true);
}
