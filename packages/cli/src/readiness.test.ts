import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  ClusterService,
  ConfigService,
  Health,
  HealthCheckResponse_ServingStatus as Status,
  StoreService,
} from "@guardian/api";
import {
  startEtcd,
  startGuardian,
  startTcpProxy,
  stopGuardian,
  useTestDatabase,
  waitFor,
  type EtcdCluster,
  type RunningGuardian,
  type TcpProxy,
} from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const db = useTestDatabase();

/** The status `/readyz` answers and the names of the checks that failed. */
async function readiness(url: string): Promise<{ status: number; failing: string[] }> {
  const res = await fetch(`${url}/readyz`);
  const body = (await res.json()) as { checks: { name: string; ok: boolean }[] };
  return { status: res.status, failing: body.checks.filter((c) => !c.ok).map((c) => c.name) };
}

function healthOf(url: string) {
  const health = createClient(Health, createGrpcTransport({ baseUrl: url }));
  return async (service: string) => (await health.check({ service })).status;
}

describe("readiness and gRPC health follow each process's dependencies", () => {
  let etcd: EtcdCluster;
  let link: TcpProxy;
  let store: RunningGuardian | undefined;
  let api: RunningGuardian | undefined;

  beforeAll(async () => {
    etcd = await startEtcd();
    link = await startTcpProxy(etcd.endpoints[0]!);
    const env = {
      DATABASE_URL: db.url(),
      GUARDIAN_STORE_ENGINE: "etcd",
      ETCD_ENDPOINTS: link.url,
      GUARDIAN_PAGE_TOKEN_SECRET: "page token secret shared by both processes",
      GUARDIAN_READINESS_INTERVAL: "200ms",
      GUARDIAN_READINESS_TIMEOUT: "1s",
      GUARDIAN_LOG_LEVEL: "info",
    };
    store = await startGuardian(["serve", "store"], env);
    api = await startGuardian(["serve", "config", "cluster"], {
      ...env,
      GUARDIAN_STORE_URL: store.url,
    });
  }, 120_000);

  afterAll(async () => {
    if (api) await stopGuardian(api);
    if (store) await stopGuardian(store);
    await link?.close();
    await etcd?.stop();
  });

  it("is ready while etcd, PostgreSQL and the store answer", async () => {
    expect(await readiness(store!.url)).toEqual({ status: 200, failing: [] });
    expect(await readiness(api!.url)).toEqual({ status: 200, failing: [] });
    const storeHealth = healthOf(store!.url);
    expect(await storeHealth(StoreService.typeName)).toBe(Status.SERVING);
    const apiHealth = healthOf(api!.url);
    expect(await apiHealth(ConfigService.typeName)).toBe(Status.SERVING);
    expect(await apiHealth(ClusterService.typeName)).toBe(Status.SERVING);
  });

  it("leaves the rotation when etcd is cut off, stays alive, and comes back when it returns", async () => {
    const storeHealth = healthOf(store!.url);
    const apiHealth = healthOf(api!.url);
    link.cut();
    // The store's etcd is gone: the store is not ready, and neither is config, which needs it.
    await waitFor(async () => ((await readiness(store!.url)).status === 503 ? true : undefined), {
      what: "the store's /readyz to fail",
      timeoutMs: 30_000,
    });
    expect((await readiness(store!.url)).failing).toEqual(["store etcd"]);
    expect(await storeHealth(StoreService.typeName)).toBe(Status.NOT_SERVING);
    expect(await storeHealth("")).toBe(Status.NOT_SERVING);
    expect((await fetch(`${store!.url}/healthz`)).status).toBe(200);
    await waitFor(
      async () =>
        (await apiHealth(ConfigService.typeName)) === Status.NOT_SERVING &&
        (await apiHealth(ClusterService.typeName)) === Status.NOT_SERVING
          ? true
          : undefined,
      { what: "config and cluster to report NOT_SERVING", timeoutMs: 30_000 },
    );
    expect((await readiness(api!.url)).failing.sort()).toEqual(["cluster etcd", "store"]);
    expect((await fetch(`${api!.url}/healthz`)).status).toBe(200);

    link.restore();
    await waitFor(
      async () =>
        (await readiness(store!.url)).status === 200 && (await readiness(api!.url)).status === 200
          ? true
          : undefined,
      { what: "both processes to be ready again", timeoutMs: 90_000, intervalMs: 250 },
    );
    expect(await storeHealth(StoreService.typeName)).toBe(Status.SERVING);
    expect(await apiHealth(ConfigService.typeName)).toBe(Status.SERVING);
    expect(await apiHealth(ClusterService.typeName)).toBe(Status.SERVING);
    expect(await apiHealth("")).toBe(Status.SERVING);
  }, 180_000);
});
