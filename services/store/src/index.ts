/**
 * The store service.
 */
export { createStoreRoutes } from "./routes.js";
export { createLocalStoreClient } from "./local-client.js";
export { createStoreFastRoutes } from "./fast-routes.js";
export type { StoreServiceDeps } from "./deps.js";
export { createSqlEngine, type SqlEngineOptions } from "./engine/sql/engine.js";
export {
  createEtcdEngine,
  type EtcdEngineOptions,
  type EtcdStoreEngine,
} from "./engine/etcd/engine.js";
export {
  archiverCompaction,
  createEngineFromSettings,
  etcdConnectionFromSettings,
  storeEngineSettings,
  type StoreEngineSettings,
} from "./engine/settings.js";
export { createSqlArchive } from "./archive/sql-archive.js";
export { selectChangesAfter, type ChangeRow } from "./archive/sql/records.js";
export type { KeyMatch, RevisionArchive } from "./archive/types.js";
export { createArchiveJob, type ArchiveJobOptions } from "./archiver/archive-job.js";
export type { CompactionOptions } from "./archiver/compactor.js";
export { instrumentEngine, timedOperations } from "./metrics/engine-metrics.js";
export { StoreError, type StoreErrorKind } from "./engine/errors.js";
export { observedRevisionHeader } from "./error-map.js";
export type * from "./engine/types.js";
export {
  createHistoryRetentionJob,
  historyRetentionSettings,
  type HistoryRetentionJobDeps,
  type HistoryRetentionSettings,
  type ProjectHistoryPolicy,
} from "./retention/history-retention.js";
