import { join, resolve } from "node:path";
import { createAuthSystem, ensureBootstrapAdmin } from "@guardian/auth-service";
import { authSettings } from "@guardian/authz";
import { createSqlClusterBackend } from "@guardian/cluster-service";
import { openEmbeddedDatabase } from "@guardian/db";
import { exitOnConfigError, readConfig, remoteAddressKey } from "@guardian/kit";
import {
  createMemoryBackend,
  createRateLimiter,
  createRateLimitInterceptor,
  loadLimits,
} from "@guardian/ratelimit-service";
import { createSqlEngine } from "@guardian/store-service";
import { processLogger, runServer } from "../host/run-server.js";
import { hostServices, serviceNames } from "../host/services.js";
import {
  bundledRateLimitsFile,
  embeddedRateLimitSettings,
  embeddedSettings,
  limitSettings,
} from "../settings.js";

/**
 * Runs Guardian in embedded mode: every service in one process on one port, with PGlite in
 * a local data directory (migrated at start) and a bootstrap admin on first start.
 */
export async function runDev(): Promise<void> {
  const read = exitOnConfigError(() =>
    readConfig(process.env, {
      ...embeddedSettings,
      ...limitSettings,
      ...authSettings,
      ...embeddedRateLimitSettings,
    }),
  );
  // The built-in issuer names this server; default it to where embedded mode listens.
  const settings =
    !process.env["GUARDIAN_ISSUER_URL"] && read.port !== 0
      ? { ...read, issuerUrl: `http://${read.host}:${read.port}` }
      : read;
  const logger = processLogger(settings, "guardian");
  const dataDir = resolve(settings.dataDir);
  const db = await openEmbeddedDatabase({
    dataDir: join(dataDir, "pgdata"),
    onError: (err) => logger.warn({ err }, "database connection lost"),
    log: (msg) => logger.debug(msg),
  });
  if (db.applied.length > 0) logger.debug({ applied: db.applied }, "migrations applied");
  const { pool } = db;
  const admin = await ensureBootstrapAdmin(pool);
  const engine = await createSqlEngine({
    pool,
    onError: (err) => logger.warn({ err }, "store change feed failed"),
  });
  const auth = await createAuthSystem({ pool, settings, logger });
  const cluster = createSqlClusterBackend({
    pool,
    onError: (err) => logger.warn({ err }, "cluster lease sweep failed"),
  });
  const rateLimiter = createRateLimiter({
    limits: await loadLimits(settings.rateLimitsFile ?? bundledRateLimitsFile),
    backend: createMemoryBackend(),
  });
  const lifetime = new AbortController();
  const hosted = hostServices(serviceNames, {
    pool,
    logger,
    auth,
    engine,
    cluster,
    maxConfigBytes: settings.maxConfigBytes,
    maxSchemaBytes: settings.maxSchemaBytes,
    schemaThreads: settings.schemaThreads,
    schemaDeadlineMs: settings.schemaDeadlineMs,
    signal: lifetime.signal,
  });
  const stopAll = async () => {
    lifetime.abort();
    await hosted.close();
    await cluster.close();
    await auth.close();
    await engine.close();
    await db.close();
  };
  const address = await runServer({
    settings,
    logger,
    services: hosted.services,
    interceptors: [
      auth.interceptor,
      createRateLimitInterceptor({
        limiter: rateLimiter,
        addressOf: (req) => req.contextValues.get(remoteAddressKey) || undefined,
      }),
    ],
    httpRoutes: hosted.httpRoutes,
    readiness: {
      database: async () => {
        await pool.query("SELECT 1");
      },
    },
    cleanup: [{ name: "stop background work and close the database", run: stopAll }],
  }).catch(async (err: unknown) => {
    await stopAll();
    throw err;
  });
  const lines = [
    `Guardian (embedded) listening on ${address.url}`,
    `  services: ${serviceNames.join(", ")} (Connect, gRPC and gRPC-Web on this one port)`,
    `  health:   ${address.url}/healthz  ${address.url}/readyz  ${address.url}/metrics`,
    `  data:     ${dataDir}`,
    admin.created
      ? `  log in:   user "${admin.username}", password "${admin.password}" (shown once; only a hash is stored)`
      : `  log in:   user "${admin.username}" with the password printed on the first start`,
  ];
  process.stdout.write(lines.join("\n") + "\n");
}
