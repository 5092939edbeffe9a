import { createAuthSystem } from "@guardian/auth-service";
import { upsertServiceAccount } from "@guardian/authz";
import { createEtcdClusterBackend, createSqlClusterBackend } from "@guardian/cluster-service";
import { createConfigWriteMetrics } from "@guardian/config-service";
import { createJobQueue, createPool, createPoolMetrics } from "@guardian/db";
import {
  createClientTracingInterceptor,
  createMetrics,
  exitOnConfigError,
  startTracing,
} from "@guardian/kit";
import {
  createEngineFromSettings,
  etcdConnectionFromSettings,
  instrumentEngine,
  type StoreEngineSettings,
} from "@guardian/store-service";
import type { ClusterBackend } from "@guardian/cluster-service";
import nodeCluster from "node:cluster";
import { startBackground, storeJobs, workerJobs } from "../host/background.js";
import { loadBuiltConsole } from "../host/console.js";
import { joinSupervisor } from "../host/process-channel.js";
import { superviseProcesses } from "../host/processes.js";
import { processLogger, runServer } from "../host/run-server.js";
import { serveDependencies } from "../host/dependencies.js";
import { createServiceTokenInterceptor } from "../host/service-token.js";
import { runServeConsole } from "./serve-console.js";
import { hostServices } from "../host/services.js";
import { serviceTuning } from "../settings.js";
import { planServe, readServeSettings, type ServePlan } from "./serve-settings.js";

/**
 * Runs the named services in one production process against PostgreSQL at `DATABASE_URL`.
 * It never migrates: run `guardian migrate` first. `console` names the built web console:
 * alone, it is served without a database (see {@link runServeConsole}); beside services, on
 * their port. `worker` runs the job worker and the "worker" scheduler group; the store runs
 * the "store" group (archival, history retention). With GUARDIAN_PROCESSES above 1 this
 * process becomes the supervisor of that many processes of the same command on its port
 * (see {@link superviseProcesses}).
 */
export async function runServe(args: string[]): Promise<void> {
  const plan = planServe(args);
  if (plan.hosted.length === 0 && !plan.worker) return runServeConsole();
  const settings = exitOnConfigError(() =>
    readServeSettings(plan.hosted, process.env, { worker: plan.worker }),
  );
  if (settings.processes > 1 && nodeCluster.isPrimary) {
    // Every process runs this same command and finds itself a cluster worker.
    const logger = processLogger(settings, `guardian-${plan.hosted.join("-")}`);
    const code = await superviseProcesses({
      count: settings.processes,
      logger,
      shutdownTimeoutMs: settings.shutdownTimeoutMs,
    });
    logger.info({ exitCode: code }, "every server process exited");
    logger.flush();
    process.exit(code);
  }
  await serve(plan, settings);
}

/**
 * Runs what `guardian serve` hosts in this process, on its own or as one of the processes
 * of a supervisor (GUARDIAN_PROCESSES).
 */
async function serve(
  plan: ServePlan,
  settings: ReturnType<typeof readServeSettings>,
): Promise<void> {
  const hosted = plan.hosted;
  const supervisor = nodeCluster.isWorker ? joinSupervisor() : undefined;
  const needsStore = hosted.some((n) => n === "config" || n === "schema");
  const site = plan.console ? loadBuiltConsole(settings) : undefined;
  const roles = [...hosted, ...(plan.worker ? ["worker"] : [])];
  const logger = processLogger(settings, `guardian-${roles.join("-")}`);
  // Before the pool, clients and server are made: their tracing hooks are fixed then.
  const stopTracing = await startTracing(`guardian-${roles.join("-")}`);
  const pool = createPool({
    url: settings.databaseUrl,
    connectTimeoutMs: settings.databaseConnectTimeoutMs,
    statementTimeoutMs: settings.databaseStatementTimeoutMs,
    onError: (err) => logger.warn({ err }, "database connection lost"),
  });
  const metrics = supervisor ? supervisor.shareMetrics(createMetrics()) : createMetrics();
  createPoolMetrics(metrics.registry).observe(pool, "main");
  const engine = hosted.includes("store")
    ? instrumentEngine(
        await createEngineFromSettings(settings, { pool, logger, listenUrl: settings.databaseUrl }),
        metrics.registry,
      )
    : undefined;
  const auth = await createAuthSystem({
    pool,
    settings,
    logger,
    accessChanges: { listenUrl: settings.databaseUrl },
  });
  const cluster = hosted.includes("cluster") ? await clusterBackend(settings, pool) : undefined;
  // The schedulers' elections: the cluster service's backend, or one of their own.
  const runsJobs = plan.worker || engine !== undefined;
  const electionBackend = cluster ?? (runsJobs ? await clusterBackend(settings, pool) : undefined);
  const jobQueue = createJobQueue({ pool, notify: "postgres" });
  const background = electionBackend
    ? startBackground({
        pool,
        logger,
        metrics,
        cluster: electionBackend,
        settings,
        groups: [
          ...(engine
            ? [
                {
                  group: "store",
                  jobs: storeJobs({ engine, pool, logger, settings, etcd: settings }),
                },
              ]
            : []),
          ...(plan.worker
            ? [{ group: "worker", jobs: workerJobs({ pool, queue: jobQueue, settings }) }]
            : []),
        ],
        ...(plan.worker
          ? {
              worker: {
                queue: jobQueue,
                settings,
                listenUrl: settings.databaseUrl,
                ...(settings.signingKeySecret ? { secretKey: settings.signingKeySecret } : {}),
              },
            }
          : {}),
      })
    : undefined;
  const serviceAccount = `svc-${hosted.join("-")}`;
  if (needsStore && !hosted.includes("store")) await upsertServiceAccount(pool, serviceAccount);
  const dependencies = serveDependencies({
    hosted,
    pool,
    ...(engine?.name === "etcd" ? { storeEtcd: engine.client } : {}),
    // The store's engine check covers its elections; the worker's have a check of their own.
    ...((cluster ?? (engine ? undefined : electionBackend))?.engine === "etcd"
      ? { clusterEtcd: await etcdConnectionFromSettings(settings) }
      : {}),
    ...(settings.storeUrl ? { storeUrl: settings.storeUrl } : {}),
    timeoutMs: settings.readinessTimeoutMs,
  });
  const lifetime = new AbortController();
  const services = hostServices(hosted, {
    pool,
    logger,
    auth,
    engine,
    storeUrl: settings.storeUrl,
    listenUrl: settings.databaseUrl,
    storeInterceptors: [
      createClientTracingInterceptor(),
      createServiceTokenInterceptor(auth.issuer, serviceAccount),
    ],
    cluster,
    ...serviceTuning(settings),
    pageTokenSecret: settings.pageTokenSecret,
    signal: lifetime.signal,
    metrics,
    jobQueue,
    webhooks: {
      settings,
      ...(settings.signingKeySecret ? { secretKey: settings.signingKeySecret } : {}),
    },
  });
  const address = await runServer({
    settings,
    logger,
    metrics,
    services: services.services,
    interceptors: [
      // Before RBAC, so that refused config writes are counted too.
      ...(hosted.includes("config") ? [createConfigWriteMetrics(metrics.registry)] : []),
      auth.interceptor,
    ],
    admit: auth.admit,
    httpRoutes: services.httpRoutes,
    ...(site ? { site } : {}),
    dependencies: dependencies.checks,
    ...(supervisor ? { stopSignals: supervisor.stopSignals } : {}),
    cleanup: [
      {
        name: "stop background work and close the database",
        run: async () => {
          lifetime.abort();
          // First: the schedulers give up their leadership while their backend still works.
          await background?.stop();
          dependencies.close();
          await services.close();
          await cluster?.close();
          if (electionBackend !== cluster) await electionBackend?.close();
          await auth.close();
          await engine?.close();
          await pool.end();
        },
      },
      ...(stopTracing ? [{ name: "export the last traces", run: stopTracing }] : []),
    ],
  });
  logger.info({ url: address.url, services: roles }, "listening");
}

/** The cluster backend that matches the store engine: etcd in production, SQL otherwise. */
async function clusterBackend(
  settings: StoreEngineSettings,
  pool: ReturnType<typeof createPool>,
): Promise<ClusterBackend> {
  if (settings.storeEngine !== "etcd") return createSqlClusterBackend({ pool });
  return createEtcdClusterBackend(await etcdConnectionFromSettings(settings));
}
