/**
 * PostgreSQL access for Guardian: pools, transactions, migrations and the embedded engine.
 *
 * Glossary:
 * - embedded: PGlite in a local data directory, served to `pg` over a loopback socket.
 * - migration: a numbered, forward-only SQL file in `migrations/`.
 */
export { createPool, type PoolOptions, type Queryable } from "./pool.js";
export { withTransaction, type IsolationLevel, type TransactionOptions } from "./transaction.js";
export {
  connectWhenReady,
  isDatabaseNotReady,
  type ConnectWhenReadyOptions,
} from "./connect-wait.js";
export { migrate, migrationsDir, type MigrateOptions, type MigrateResult } from "./migrate.js";
export {
  openEmbeddedDatabase,
  startEmbeddedPostgres,
  type EmbeddedDatabase,
  type EmbeddedPostgres,
  type OpenEmbeddedOptions,
} from "./embedded.js";
export { preloadEmbeddedArtifacts } from "./embedded-artifacts.js";
export { checkoutTemplatesDir } from "./template.js";
export {
  keepListening,
  type Listener,
  type ListenerHooks,
  type ListenerOptions,
} from "./listener.js";
export { createPoolMetrics, type PoolMetrics } from "./pool-metrics.js";
export type {
  Job,
  JobContext,
  JobQueue,
  JobSpec,
  JobState,
  QueueCounts,
  TaskHandler,
  Worker,
} from "./queue/types.js";
export { createJobQueue, type JobQueueOptions } from "./queue/queue.js";
export { startWorker, type WorkerOptions } from "./queue/worker.js";
export { retryDelay, type RetryDelayOptions } from "./queue/retry-delay.js";
