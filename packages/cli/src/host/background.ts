import {
  createAuditRetentionJob,
  createCredentialCleanupJob,
  housekeepingSettings,
} from "@guardian/auth-service";
import { selectHistoryRetentionPolicies } from "@guardian/authz";
import { startScheduler, type ClusterBackend, type Scheduler } from "@guardian/cluster-service";
import {
  createWebhookFanoutJob,
  createWebhookTasks,
  webhookSettings,
} from "@guardian/config-service";
import { startWorker, type JobQueue, type Worker } from "@guardian/db";
import {
  duration,
  int,
  type ConfigOf,
  type Logger,
  type Metrics,
  type ScheduledJob,
} from "@guardian/kit";
import {
  archiverCompaction,
  createArchiveJob,
  createHistoryRetentionJob,
  createSqlArchive,
  historyRetentionSettings,
  type EtcdStoreEngine,
  type StoreEngine,
  type StoreEngineSettings,
} from "@guardian/store-service";
import type pg from "pg";

/** How the job worker and the schedulers of a process run. */
export const jobRunnerSettings = {
  jobConcurrency: int("GUARDIAN_JOB_CONCURRENCY", {
    default: 4,
    min: 1,
    max: 64,
    description: "Jobs one worker process runs at once (webhook deliveries); embedded mode runs 1",
  }),
  jobPollIntervalMs: duration("GUARDIAN_JOB_POLL_INTERVAL", {
    default: "2s",
    min: 50,
    max: 5 * 60_000,
    description:
      "How often an idle worker looks for due jobs when no wake-up arrives (delayed jobs, retries after backoff, a lost LISTEN connection)",
  }),
  jobLockTimeoutMs: duration("GUARDIAN_JOB_LOCK_TIMEOUT", {
    default: "5m",
    min: 1_000,
    max: 24 * 3_600_000,
    description:
      "How long a claimed job's lock lasts without renewal: a running job renews it, so only a crashed worker's jobs outlive it and are then run again",
  }),
  schedulerElectionTtlMs: duration("GUARDIAN_SCHEDULER_ELECTION_TTL", {
    default: "10s",
    min: 1_000,
    max: 5 * 60_000,
    description:
      "Lease of a scheduler's leadership: how long a crashed leader keeps its scheduled jobs (archival, retention, cleanup, webhook fan-out) from moving to another replica",
  }),
} as const;

/** Every setting of the worker role: the runner, webhook delivery and the housekeeping jobs. */
export const workerSettings = {
  ...jobRunnerSettings,
  ...webhookSettings,
  ...housekeepingSettings,
} as const;

/** The settings of the store's own scheduled jobs. */
export const storeJobSettings = { ...jobRunnerSettings, ...historyRetentionSettings } as const;

/** The typed settings of the worker role. */
export type WorkerSettings = ConfigOf<typeof workerSettings>;

/**
 * The scheduled jobs of the process that hosts the store: copying etcd's revisions to
 * PostgreSQL (etcd engine only; the SQL engine archives as it writes) and history retention,
 * which needs the engine's own retention to know what it may not delete.
 */
export function storeJobs(opts: {
  engine: StoreEngine;
  pool: pg.Pool;
  logger: Logger;
  settings: ConfigOf<typeof historyRetentionSettings>;
  /** The etcd engine's settings (its compaction by the archive job). */
  etcd?: StoreEngineSettings;
}): ScheduledJob[] {
  const { engine, pool } = opts;
  const history = createHistoryRetentionJob({
    pool,
    policies: () => selectHistoryRetentionPolicies(pool),
    storeRetention: () => engine.compactionInfo(),
    settings: opts.settings,
  });
  if (!isEtcdEngine(engine)) return [history];
  const archive = createArchiveJob({
    engine,
    archive: createSqlArchive(pool),
    logger: opts.logger,
    ...(opts.etcd ? { compaction: archiverCompaction(opts.etcd) } : {}),
  });
  return [archive, history];
}

/** The worker role's jobs: webhook fan-out, credential cleanup and audit retention. */
export function workerJobs(opts: {
  pool: pg.Pool;
  queue: JobQueue;
  settings: WorkerSettings;
}): ScheduledJob[] {
  const { pool, settings } = opts;
  return [
    createWebhookFanoutJob({ pool, queue: opts.queue }),
    createCredentialCleanupJob({ pool, settings }),
    createAuditRetentionJob({ pool, settings }),
  ];
}

/** Options of {@link startBackground}. */
export interface BackgroundOptions {
  pool: pg.Pool;
  logger: Logger;
  metrics: Metrics;
  /** Whose election picks each group's leader (etcd in production, SQL embedded). */
  cluster: ClusterBackend;
  settings: ConfigOf<typeof jobRunnerSettings>;
  /** Scheduler groups, each with its own election ("store", "worker"). */
  groups: { group: string; jobs: ScheduledJob[] }[];
  /** The job worker, where this process runs one. */
  worker?: {
    queue: JobQueue;
    settings: WorkerSettings;
    /** The key webhook secrets are sealed with. */
    secretKey?: string;
    /** Production: wake-ups by LISTEN on a dedicated connection to this database. */
    listenUrl?: string;
    /** Default the setting; embedded mode runs 1. */
    concurrency?: number;
  };
}

/** Background work of one process. */
export interface Background {
  /** Stops the schedulers (giving up their leadership) and then the worker. */
  stop(): Promise<void>;
}

/**
 * Starts the schedulers and the job worker of a process. Every replica campaigns for each
 * group; only its leader runs the group's jobs. Every replica's worker claims jobs.
 */
export function startBackground(opts: BackgroundOptions): Background {
  const schedulers: Scheduler[] = opts.groups.map(({ group, jobs }) =>
    startScheduler({
      backend: opts.cluster,
      pool: opts.pool,
      group,
      jobs,
      logger: opts.logger,
      electionTtlMs: opts.settings.schedulerElectionTtlMs,
      registry: opts.metrics.registry,
    }),
  );
  const w = opts.worker;
  const worker: Worker | undefined = w
    ? startWorker({
        pool: opts.pool,
        queue: w.queue,
        tasks: createWebhookTasks({
          pool: opts.pool,
          settings: w.settings,
          ...(w.secretKey ? { secretKey: w.secretKey } : {}),
        }),
        logger: opts.logger,
        concurrency: w.concurrency ?? opts.settings.jobConcurrency,
        pollIntervalMs: opts.settings.jobPollIntervalMs,
        lockTimeoutMs: opts.settings.jobLockTimeoutMs,
        registry: opts.metrics.registry,
        ...(w.listenUrl ? { listenUrl: w.listenUrl } : {}),
      })
    : undefined;
  return {
    async stop() {
      await Promise.all(schedulers.map((s) => s.stop()));
      await worker?.stop();
    },
  };
}

function isEtcdEngine(engine: StoreEngine): engine is EtcdStoreEngine {
  return engine.name === "etcd" && "client" in engine;
}
