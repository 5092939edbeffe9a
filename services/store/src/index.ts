/**
 * The store service.
 */
export { createStoreRoutes, type StoreRoutesDeps } from "./routes.js";
export { createSqlEngine, type SqlEngineOptions } from "./engine/sql/engine.js";
export { StoreError, type StoreErrorKind } from "./engine/errors.js";
export type * from "./engine/types.js";
