import { randomBytes } from "node:crypto";
import { ensureBootstrapAdmin } from "@guardian/auth-service";
import { createPool, migrate } from "@guardian/db";
import { freePorts, startPostgres, type EtcdCluster, type ManagedProcess } from "@guardian/testkit";
import { createFixture } from "../lib/fixture.js";
import { descendantsNamed, processTree, startGuardian, waitReady } from "../lib/processes.js";
import { commonEnv, type Deployment } from "./deployment.js";

/** Creates the first admin in a migrated database and returns its password. */
async function bootstrapAdmin(databaseUrl: string): Promise<string> {
  const pool = createPool({ url: databaseUrl, max: 1 });
  try {
    const admin = await ensureBootstrapAdmin(pool);
    if (!admin.created) throw new Error("the new database already has an admin");
    return admin.password;
  } finally {
    await pool.end();
  }
}

/**
 * Starts production mode as `docs/deploy.md` lays it out, without Envoy: PostgreSQL (from
 * testkit), `guardian migrate`'s migrations, a store process on the etcd engine over the
 * given 3-member cluster, and one API instance hosting auth, config, schema and cluster that
 * runs one server process per core on its port (`GUARDIAN_PROCESSES=auto`).
 */
export async function startProduction(
  workDir: string,
  etcd: EtcdCluster,
  writeKeys: number,
): Promise<Deployment> {
  const postgres = await startPostgres();
  const processes: ManagedProcess[] = [];
  const stop = async () => {
    for (const child of processes.reverse()) await child.stop({ timeoutMs: 20_000 });
    await postgres.stop();
  };
  try {
    await migrate({ databaseUrl: postgres.url });
    const password = await bootstrapAdmin(postgres.url);
    const [storePort, apiPort] = (await freePorts(2)) as [number, number];
    const env = {
      ...commonEnv,
      DATABASE_URL: postgres.url,
      GUARDIAN_STORE_ENGINE: "etcd",
      ETCD_ENDPOINTS: etcd.endpoints.join(","),
      GUARDIAN_PAGE_TOKEN_SECRET: randomBytes(32).toString("base64url"),
      GUARDIAN_SIGNING_KEY_SECRET: randomBytes(32).toString("base64url"),
    };
    const storeUrl = `http://127.0.0.1:${storePort}`;
    let starts = 0;
    const startStore = async () => {
      const startedAt = performance.now();
      const store = startGuardian({
        args: ["serve", "store"],
        env: { ...env, GUARDIAN_PORT: String(storePort) },
        logDir: workDir,
        name: starts++ === 0 ? "store" : `store-${starts}`,
      });
      // The store stays first in the list: it stops after the API process.
      processes.unshift(store);
      await waitReady(storeUrl, store, { timeoutMs: 90_000, intervalMs: 10 });
      return { startedAt, readyMs: performance.now() - startedAt };
    };
    await startStore();
    const restartStore = async () => {
      const old = processes.shift();
      await old?.stop({ timeoutMs: 20_000 });
      return startStore();
    };
    const url = `http://127.0.0.1:${apiPort}`;
    const api = startGuardian({
      args: ["serve", "auth", "config", "schema", "cluster"],
      env: {
        ...env,
        GUARDIAN_PORT: String(apiPort),
        GUARDIAN_STORE_URL: storeUrl,
        // One server process per core on the API port, as etcd's server uses every core.
        GUARDIAN_PROCESSES: "auto",
      },
      logDir: workDir,
      name: "api",
    });
    processes.push(api);
    await waitReady(url, api);
    const fixture = await createFixture(url, { username: "admin", password }, writeKeys);
    const treeOf = (child: ManagedProcess | undefined) =>
      child?.pid === undefined ? [] : processTree(child.pid);
    const processGroups = () => ({
      "API processes": treeOf(api),
      store: treeOf(processes[0]),
      PostgreSQL: descendantsNamed("postgres"),
      etcd: descendantsNamed("etcd"),
    });
    return { mode: "production", url, server: api, fixture, processGroups, restartStore, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
