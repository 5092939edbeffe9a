import { StoreService } from "@guardian/api";
import { guardServiceClient } from "@guardian/kit";
import type pg from "pg";
import type { StoreClient } from "./bound-configs.js";
import { createCandidates, type Candidates } from "./candidates.js";
import type { SchemaRegistry } from "./contract.js";
import type { SchemaWorkers } from "./workers/schema-workers.js";

/** Dependencies of the schema service routes. */
export interface SchemaRoutesDeps {
  /** The pool of the database holding `projects`, `schemas` and `schema_versions`. */
  pool: pg.Pool;
  /** A client of the store service, to read the configs bound to a schema. */
  store: StoreClient;
  /** The registry the config service validates with; told when a schema changes. */
  registry: SchemaRegistry;
  /** The worker threads that check candidate schemas and validate configs against them. */
  workers: SchemaWorkers;
  /** The largest schema document, in bytes of JSON. Default 256 KiB. */
  maxSchemaBytes?: number;
  /** The largest document ValidateDocument accepts (the config size limit). Default 1 MiB. */
  maxDocumentBytes?: number;
}

/** What the handlers share: the dependencies with their defaults and the store guarded. */
export interface HandlerDeps {
  pool: pg.Pool;
  /** The store client; a broken connection is Unavailable, never mistaken for a conflict. */
  store: StoreClient;
  registry: SchemaRegistry;
  /** Checks and compiles candidate schema documents on the workers. */
  candidates: Candidates;
  maxDocumentBytes: number;
}

/** Applies the defaults of {@link SchemaRoutesDeps} and guards the store client. */
export function handlerDeps(deps: SchemaRoutesDeps): HandlerDeps {
  return {
    pool: deps.pool,
    store: guardServiceClient(StoreService, deps.store, ["write"]),
    registry: deps.registry,
    candidates: createCandidates(deps.workers, deps.maxSchemaBytes ?? 256 * 1024),
    maxDocumentBytes: deps.maxDocumentBytes ?? 1024 * 1024,
  };
}
