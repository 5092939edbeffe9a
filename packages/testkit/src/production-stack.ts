import pg from "pg";
import {
  runGuardian,
  startGuardian,
  stopGuardian,
  type RunningGuardian,
} from "./guardian-process.js";
import { freePort } from "./ports.js";
import { databaseUrl, randomDatabaseName } from "./template-database.js";
import { waitFor } from "./wait.js";

/** Creates an empty database (no tables, not even the migrations table); returns its name and URL. */
export async function createEmptyDatabase(
  adminUrl: string,
): Promise<{ name: string; url: string }> {
  const name = randomDatabaseName();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return { name, url: databaseUrl(adminUrl, name) };
}

/** Options of {@link startProductionStack}. */
export interface ProductionStackOptions {
  /** The (migrated) database every process uses. */
  databaseUrl: string;
  /** etcd client URLs: the store and the cluster service use etcd; unset: the SQL engine. */
  etcdEndpoints?: readonly string[];
  /** The services each API replica hosts (default auth, config, schema, cluster). */
  apiServices?: readonly string[];
  /** How many API replicas to start. */
  apiReplicas: number;
  /** More environment for every process. */
  env?: Record<string, string>;
}

/** A store process and API replicas, as started by {@link startProductionStack}. */
export interface ProductionStack {
  store: RunningGuardian;
  apis: RunningGuardian[];
  /** The environment every process got (without the store URL). */
  env: Record<string, string>;
  /** Stops every process (API replicas first); returns their exit codes, store last. */
  stop(): Promise<(number | null)[]>;
}

/**
 * Starts a production deployment in miniature at ONE moment: one `guardian serve store` and
 * `apiReplicas` processes of `guardian serve <apiServices>` reaching it at GUARDIAN_STORE_URL
 * (its port is chosen first), all launched together, as replicas of a fresh deployment are.
 * Resolves once every process answers `/readyz` with 200. When one fails to start, the
 * others are stopped and the error carries its output.
 */
export async function startProductionStack(opts: ProductionStackOptions): Promise<ProductionStack> {
  const env: Record<string, string> = {
    DATABASE_URL: opts.databaseUrl,
    GUARDIAN_PAGE_TOKEN_SECRET: "page token secret shared by every process",
    GUARDIAN_LOG_LEVEL: "info",
    GUARDIAN_READINESS_INTERVAL: "250ms",
    ...(opts.etcdEndpoints
      ? { GUARDIAN_STORE_ENGINE: "etcd", ETCD_ENDPOINTS: opts.etcdEndpoints.join(",") }
      : {}),
    ...opts.env,
  };
  const storePort = await freePort();
  const services = opts.apiServices ?? ["auth", "config", "schema", "cluster"];
  const starts = [
    startGuardian(["serve", "store"], { ...env, GUARDIAN_PORT: String(storePort) }),
    ...Array.from({ length: opts.apiReplicas }, () =>
      startGuardian(["serve", ...services], {
        ...env,
        GUARDIAN_STORE_URL: `http://127.0.0.1:${storePort}`,
      }),
    ),
  ];
  const settled = await Promise.allSettled(starts);
  const running = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    await Promise.all(running.map(stopGuardian));
    throw failed.reason;
  }
  const [store, ...apis] = running as [RunningGuardian, ...RunningGuardian[]];
  for (const p of running) {
    await waitFor(async () => ((await fetch(`${p.url}/readyz`)).ok ? true : undefined), {
      what: `${p.url}/readyz to answer 200`,
      timeoutMs: 60_000,
      details: p.output,
    });
  }
  return {
    store,
    apis,
    env,
    async stop() {
      const codes = await Promise.all(apis.map(stopGuardian));
      return [...codes, await stopGuardian(store)];
    },
  };
}

/** Runs `guardian migrate` on a database and throws with its output when it fails. */
export async function migrateDatabase(url: string): Promise<void> {
  const r = await runGuardian(["migrate"], { DATABASE_URL: url });
  if (r.code !== 0) throw new Error(`guardian migrate exited with ${r.code}:\n${r.output}`);
}
