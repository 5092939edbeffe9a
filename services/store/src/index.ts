/**
 * The store service.
 */
export { createStoreRoutes, type StoreRoutesDeps } from "./routes.js";
export { createSqlEngine, type SqlEngineOptions } from "./engine/sql/engine.js";
export {
  createEtcdEngine,
  type EtcdEngineOptions,
  type EtcdStoreEngine,
} from "./engine/etcd/engine.js";
export {
  createEngineFromSettings,
  etcdConnectionFromSettings,
  storeEngineSettings,
  type StoreEngineSettings,
} from "./engine/etcd/settings.js";
export { startArchiver, type Archiver, type ArchiverOptions } from "./archiver/archiver.js";
export { StoreError, type StoreErrorKind } from "./engine/errors.js";
export type * from "./engine/types.js";
