import { createAuthSystem } from "@guardian/auth-service";
import { authSettings, upsertServiceAccount } from "@guardian/authz";
import { createEtcdClusterBackend, createSqlClusterBackend } from "@guardian/cluster-service";
import { createPool } from "@guardian/db";
import { exitOnConfigError, readConfig } from "@guardian/kit";
import {
  archiverCompaction,
  createEngineFromSettings,
  createSqlArchive,
  etcdConnectionFromSettings,
  startArchiver,
  storeEngineSettings,
  type StoreEngineSettings,
} from "@guardian/store-service";
import type { ClusterBackend } from "@guardian/cluster-service";
import { loadBuiltConsole } from "../host/console.js";
import { processLogger, runServer } from "../host/run-server.js";
import { createServiceTokenInterceptor } from "../host/service-token.js";
import { runServeConsole } from "./serve-console.js";
import { hostServices, isServiceName, serviceNames } from "../host/services.js";
import { UsageError } from "../usage-error.js";
import {
  auditSettings,
  consoleSettings,
  databaseSettings,
  limitSettings,
  pageTokenSettings,
  processSettings,
  remoteStoreSettings,
  serviceTuning,
} from "../settings.js";

/**
 * Runs the named services in one production process against PostgreSQL at `DATABASE_URL`.
 * It never migrates: run `guardian migrate` first. `console` names the built web console:
 * alone, it is served without a database (see {@link runServeConsole}); beside services, on
 * their port.
 */
export async function runServe(args: string[]): Promise<void> {
  const names = args.length === 0 ? [...serviceNames] : args;
  const unknown = names.filter((n) => !isServiceName(n) && n !== "console");
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown service ${unknown.join(", ")}; expected one of ${[...serviceNames, "console"].join(", ")}`,
    );
  }
  const hosted = names.filter(isServiceName);
  if (hosted.length === 0) return runServeConsole();
  const settings = exitOnConfigError(() =>
    readConfig(process.env, {
      ...processSettings,
      ...consoleSettings,
      ...databaseSettings,
      ...limitSettings,
      ...auditSettings,
      ...remoteStoreSettings,
      ...pageTokenSettings,
      ...authSettings,
      ...storeEngineSettings,
    }),
  );
  const needsStore = hosted.some((n) => n === "config" || n === "schema");
  if (needsStore && !hosted.includes("store") && !settings.storeUrl) {
    throw new UsageError(
      "GUARDIAN_STORE_URL is required: config and schema reach the store through it",
    );
  }
  const site = names.includes("console") ? loadBuiltConsole(settings) : undefined;
  const logger = processLogger(settings, `guardian-${hosted.join("-")}`);
  const pool = createPool({
    url: settings.databaseUrl,
    onError: (err) => logger.warn({ err }, "database connection lost"),
  });
  const engine = hosted.includes("store")
    ? await createEngineFromSettings(settings, { pool, logger, listenUrl: settings.databaseUrl })
    : undefined;
  // One archiver per deployment copies etcd's revisions to PostgreSQL (leader-elected).
  const archiver =
    engine?.name === "etcd"
      ? startArchiver({
          engine,
          archive: createSqlArchive(pool),
          logger,
          compaction: archiverCompaction(settings),
        })
      : undefined;
  const auth = await createAuthSystem({
    pool,
    settings,
    logger,
    accessChanges: { listenUrl: settings.databaseUrl },
  });
  const cluster = hosted.includes("cluster") ? await clusterBackend(settings, pool) : undefined;
  const serviceAccount = `svc-${hosted.join("-")}`;
  if (needsStore && !hosted.includes("store")) await upsertServiceAccount(pool, serviceAccount);
  const lifetime = new AbortController();
  const services = hostServices(hosted, {
    pool,
    logger,
    auth,
    engine,
    storeUrl: settings.storeUrl,
    listenUrl: settings.databaseUrl,
    storeInterceptors: [createServiceTokenInterceptor(auth.issuer, serviceAccount)],
    cluster,
    ...serviceTuning(settings),
    signal: lifetime.signal,
  });
  const address = await runServer({
    settings,
    logger,
    services: services.services,
    interceptors: [auth.interceptor],
    admit: auth.admit,
    httpRoutes: services.httpRoutes,
    ...(site ? { site } : {}),
    readiness: {
      database: async () => {
        await pool.query("SELECT 1");
      },
    },
    cleanup: [
      {
        name: "stop background work and close the database",
        run: async () => {
          lifetime.abort();
          await services.close();
          await cluster?.close();
          await auth.close();
          await archiver?.stop();
          await engine?.close();
          await pool.end();
        },
      },
    ],
  });
  logger.info({ url: address.url, services: hosted }, "listening");
}

/** The cluster backend that matches the store engine: etcd in production, SQL otherwise. */
async function clusterBackend(
  settings: StoreEngineSettings,
  pool: ReturnType<typeof createPool>,
): Promise<ClusterBackend> {
  if (settings.storeEngine !== "etcd") return createSqlClusterBackend({ pool });
  return createEtcdClusterBackend(await etcdConnectionFromSettings(settings));
}
