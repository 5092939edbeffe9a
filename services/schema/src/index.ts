/**
 * The schema service: named, versioned JSON Schemas per project, and the registry the config
 * service validates documents with.
 *
 * Glossary:
 * - schema version: an immutable, numbered (from 1) JSON Schema document of a schema; 0 in
 *   a request means the latest.
 * - following the latest: a config bound with schema_version 0; adding a version checks
 *   every such config against it first. Configs pinned to a version are not affected.
 * - breaking configs: configs following the latest version that would no longer validate
 *   against a new version; the version is refused unless added with `force`.
 * - dialect: the JSON Schema draft of a document, from `$schema` (draft 2020-12 or draft-07).
 * - violation: one way a document fails its schema, located by JSON pointers into the
 *   document and into the schema.
 * - catalog: the projects and schemas a config write looks up; the catalog cache keeps what
 *   exists and forgets what the catalog feed says changed (in this process, or committed by
 *   another one and announced on the `guardian_catalog` channel).
 * - schema workers: the worker threads that compile schemas and validate documents, each
 *   call under a deadline, so that no schema or document holds the event loop.
 */
export { createSchemaRoutes, createSchemaService } from "./routes.js";
export type { SchemaRoutesDeps } from "./deps.js";
export { createSchemaRegistry, type SchemaRegistryOptions } from "./registry.js";
export { createCatalogCache, type CatalogCache, type SchemaTarget } from "./catalog/cache.js";
export {
  createLocalCatalogFeed,
  type CatalogChange,
  type CatalogEvent,
  type CatalogFeed,
} from "./catalog/feed.js";
export { createPgCatalogFeed, type PgCatalogFeedOptions } from "./catalog/pg-feed.js";
export {
  createSchemaWorkers,
  type CheckedCandidate,
  type SchemaWorkers,
  type SchemaWorkersOptions,
} from "./workers/schema-workers.js";
export type { SchemaSource } from "./workers/worker-tasks.js";
export { validationFailedError } from "./engine/violations.js";
export type { ResolvedSchema, SchemaRegistry, SchemaViolation } from "./contract.js";
