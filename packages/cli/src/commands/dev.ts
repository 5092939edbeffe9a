import { join, resolve } from "node:path";
import { createAuthSystem, ensureBootstrapAdmin } from "@guardian/auth-service";
import { authSettings } from "@guardian/authz";
import { createSqlClusterBackend } from "@guardian/cluster-service";
import { createConfigWriteMetrics } from "@guardian/config-service";
import {
  checkoutTemplatesDir,
  createJobQueue,
  createPoolMetrics,
  openEmbeddedDatabase,
} from "@guardian/db";
import {
  createMetrics,
  exitOnConfigError,
  readConfig,
  remoteAddressKey,
  startTracing,
} from "@guardian/kit";
import {
  createMemoryBackend,
  createRateLimiter,
  createRateLimitInterceptor,
  parseLimitsFiles,
  readLimitsFiles,
  watchLimits,
} from "@guardian/ratelimit-service";
import { createSqlEngine, instrumentEngine, storeEngineSettings } from "@guardian/store-service";
import {
  type Background,
  startBackground,
  storeJobSettings,
  storeJobs,
  workerJobs,
  workerSettings,
} from "../host/background.js";
import { loadConsole } from "../host/console.js";
import { localSecret, repairModes, secureDataDir } from "../host/data-dir.js";
import { lockDataDir } from "../host/data-dir-lock.js";
import { processLogger, runServer } from "../host/run-server.js";
import { hostServices, serviceNames } from "../host/services.js";
import {
  auditSettings,
  bundledRateLimitsFile,
  consoleSettings,
  embeddedRateLimitSettings,
  embeddedSettings,
  limitSettings,
  processCountSettings,
  requireOneProcess,
  serviceTuning,
} from "../settings.js";

/**
 * Runs Guardian in embedded mode: every service in one process on one port, with PGlite in
 * a local data directory (migrated at start) and a bootstrap admin on first start. The data
 * directory is private to its owner (0700, files 0600); secrets not configured (page tokens,
 * signing key encryption) are generated once and kept in it.
 */
export async function runDev(): Promise<void> {
  const read = exitOnConfigError(() => {
    const values = readConfig(process.env, {
      ...embeddedSettings,
      ...processCountSettings,
      ...limitSettings,
      ...auditSettings,
      ...authSettings,
      ...embeddedRateLimitSettings,
      ...consoleSettings,
      ...storeJobSettings,
      ...workerSettings,
      retainPerConfig: storeEngineSettings.retainPerConfig,
    });
    requireOneProcess(
      values.processes,
      "guardian dev runs one process: it owns one embedded database",
    );
    return values;
  });
  // The built-in issuer names this server; default it to where embedded mode listens.
  const issuerUrl =
    !process.env["GUARDIAN_ISSUER_URL"] && read.port !== 0
      ? `http://${read.host}:${read.port}`
      : read.issuerUrl;
  const dataDir = resolve(read.dataDir);
  await secureDataDir(dataDir);
  // Before anything in it is read or written: a second process would open the same database.
  const lock = await lockDataDir(dataDir);
  const settings = {
    ...read,
    issuerUrl,
    pageTokenSecret: read.pageTokenSecret ?? (await localSecret(dataDir, "page-token.secret")),
    signingKeySecret: read.signingKeySecret ?? (await localSecret(dataDir, "signing-key.secret")),
  };
  const logger = processLogger(settings, "guardian");
  // Nothing is loaded unless an OTLP endpoint is set; then before the pool and the server.
  const stopTracing = await startTracing("guardian");
  // Built (when its sources changed) while the database opens.
  const consoleSite = loadConsole(logger, settings);
  const db = await openEmbeddedDatabase({
    dataDir: join(dataDir, "pgdata"),
    templatesDir: checkoutTemplatesDir,
    onError: (err) => logger.warn({ err }, "database connection lost"),
    log: (msg) => logger.debug(msg),
  });
  if (db.applied.length > 0) logger.debug({ applied: db.applied }, "migrations applied");
  const { pool } = db;
  const metrics = createMetrics();
  createPoolMetrics(metrics.registry).observe(pool, "main");
  const admin = await ensureBootstrapAdmin(pool);
  const engine = instrumentEngine(
    await createSqlEngine({
      pool,
      retainPerConfig: settings.retainPerConfig,
      onError: (err) => logger.warn({ err }, "store change feed failed"),
    }),
    metrics.registry,
  );
  // PGlite's one backend hears every change this process commits: no LISTEN connection.
  const auth = await createAuthSystem({
    pool,
    settings,
    logger,
    accessChanges: { embedded: true },
  });
  const cluster = createSqlClusterBackend({
    pool,
    onError: (err) => logger.warn({ err }, "cluster lease sweep failed"),
  });
  const limitsPath = settings.rateLimitsFile ?? bundledRateLimitsFile;
  const limitsFiles = await readLimitsFiles(limitsPath);
  const rateLimiter = createRateLimiter({
    limits: parseLimitsFiles(limitsFiles),
    backend: createMemoryBackend(),
  });
  // Limits of one's own are reloaded when their files change, as the rate limit service does.
  const limitsWatcher =
    settings.rateLimitsFile === undefined
      ? undefined
      : watchLimits({
          path: limitsPath,
          initial: limitsFiles,
          onChange(limits) {
            rateLimiter.setLimits(limits);
            logger.info({ file: limitsPath }, "rate limits reloaded");
          },
          onError(err) {
            logger.error(
              { file: limitsPath, err },
              "rate limit config rejected; the previous limits stay",
            );
          },
        });
  // The job queue: the in-process nudge wakes the worker (one connection, no LISTEN).
  const jobQueue = createJobQueue({ pool, notify: "local" });
  // Started once the server listens (below), so that its first elections and sweeps do not
  // queue ahead of the readiness check on the one database connection.
  let background: Background | undefined;
  const lifetime = new AbortController();
  const hosted = hostServices(serviceNames, {
    pool,
    logger,
    auth,
    engine,
    cluster,
    ...serviceTuning(settings),
    pageTokenSecret: settings.pageTokenSecret,
    signal: lifetime.signal,
    metrics,
    jobQueue,
    webhooks: { settings, secretKey: settings.signingKeySecret },
  });
  const stopAll = async () => {
    lifetime.abort();
    await background?.stop();
    await limitsWatcher?.close();
    await hosted.close();
    await cluster.close();
    await auth.close();
    await engine.close();
    await db.close();
    await lock.release();
  };
  const address = await runServer({
    settings,
    logger,
    metrics,
    services: hosted.services,
    admit: auth.admit,
    interceptors: [
      // Before RBAC, so that refused config writes are counted too.
      createConfigWriteMetrics(metrics.registry),
      auth.interceptor,
      createRateLimitInterceptor({
        limiter: rateLimiter,
        addressOf: (req) => req.contextValues.get(remoteAddressKey) || undefined,
      }),
    ],
    httpRoutes: hosted.httpRoutes,
    site: await consoleSite,
    dependencies: [
      {
        name: "database",
        check: async () => {
          await pool.query("SELECT 1");
        },
      },
    ],
    cleanup: [
      { name: "stop background work and close the database", run: stopAll },
      ...(stopTracing ? [{ name: "export the last traces", run: stopTracing }] : []),
    ],
  }).catch(async (err: unknown) => {
    await stopAll();
    throw err;
  });
  // The modes below the data directory are repaired while the server serves: no other user
  // reaches anything below it since secureDataDir, new files are private under the 077 umask,
  // and this repairs what an older version (or the database, of its own) left open.
  repairModes(dataDir).catch((err: unknown) => {
    logger.warn({ err, dataDir }, "could not make everything in the data directory owner-only");
  });
  // Both scheduler groups run here, elected on the SQL cluster backend like replicas would be.
  if (!lifetime.signal.aborted) {
    background = startBackground({
      pool,
      logger,
      metrics,
      cluster,
      settings,
      groups: [
        { group: "store", jobs: storeJobs({ engine, pool, logger, settings }) },
        { group: "worker", jobs: workerJobs({ pool, queue: jobQueue, settings }) },
      ],
      worker: { queue: jobQueue, settings, secretKey: settings.signingKeySecret, concurrency: 1 },
    });
  }
  const lines = [
    `Guardian (embedded) listening on ${address.url}`,
    `  services: ${serviceNames.join(", ")} (Connect, gRPC and gRPC-Web on this one port)`,
    `  console:  ${address.url}/`,
    `  health:   ${address.url}/healthz  ${address.url}/readyz  ${address.url}/metrics`,
    `  data:     ${dataDir}`,
    admin.created
      ? `  log in:   user "${admin.username}", password "${admin.password}" (shown once; only a hash is stored)`
      : `  log in:   user "${admin.username}" with the password printed on the first start`,
  ];
  process.stdout.write(lines.join("\n") + "\n");
}
