import { createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import { SchemaService, StoreService, WriteOp } from "@guardian/api";
import { createSqlEngine, createStoreRoutes, type StoreEngine } from "@guardian/store-service";
import { useTestDatabase } from "@guardian/testkit";
import type pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { createSchemaRegistry } from "../registry.js";
import type { SchemaRegistry } from "../contract.js";
import { createSchemaRoutes } from "../routes.js";
import {
  createSchemaWorkers,
  type SchemaWorkers,
  type SchemaWorkersOptions,
} from "../workers/schema-workers.js";

/** What a schema service test works with. */
export interface SchemaHarness {
  pool(): pg.Pool;
  schemas(): Client<typeof SchemaService>;
  store(): Client<typeof StoreService>;
  registry(): SchemaRegistry;
  /** Inserts a project with a fresh name and returns the name. */
  newProject(): Promise<string>;
  /** Stores a config bound to a schema through the store service; returns its version. */
  putConfig(
    project: string,
    key: string,
    doc: unknown,
    binding: { schema: string; schemaVersion?: number },
  ): Promise<bigint>;
}

/**
 * Sets up, for one test file, a cloned database, a real SQL store engine behind the store
 * service routes, and the schema service over both, all through in-memory transports.
 */
export function useHarness(
  opts: { maxSchemaBytes?: number; workers?: SchemaWorkersOptions } = {},
): SchemaHarness {
  const db = useTestDatabase();
  let engine: StoreEngine | undefined;
  let store: Client<typeof StoreService> | undefined;
  let schemas: Client<typeof SchemaService> | undefined;
  let registry: SchemaRegistry | undefined;
  let workers: SchemaWorkers | undefined;
  let projects = 0;

  beforeAll(async () => {
    engine = await createSqlEngine({ pool: db.pool() });
    store = createClient(
      StoreService,
      createRouterTransport(createStoreRoutes({ engine: engine })),
    );
    workers = createSchemaWorkers({ threads: 1, ...opts.workers });
    registry = createSchemaRegistry(db.pool(), { workers });
    schemas = createClient(
      SchemaService,
      createRouterTransport(
        createSchemaRoutes({
          pool: db.pool(),
          store,
          registry,
          workers,
          maxSchemaBytes: opts.maxSchemaBytes,
        }),
      ),
    );
  });

  // Registered after useTestDatabase's hook, so it runs first: the engine closes before the pool.
  afterAll(async () => {
    await workers?.close();
    await engine?.close();
  });

  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the schema harness is only ready in tests");
    return value;
  };

  return {
    pool: () => db.pool(),
    schemas: () => ready(schemas),
    store: () => ready(store),
    registry: () => ready(registry),
    async newProject() {
      const name = `proj-${++projects}`;
      await db.pool().query("INSERT INTO projects (name, created_by) VALUES ($1, 'test')", [name]);
      return name;
    },
    async putConfig(project, key, doc, binding) {
      const res = await ready(store).write({
        project,
        key,
        op: WriteOp.PUT,
        value: new TextEncoder().encode(JSON.stringify(doc)),
        meta: {
          schema: binding.schema,
          schemaVersion: binding.schemaVersion ?? 0,
          validatedSchemaVersion: binding.schemaVersion || 1,
        },
      });
      return res.revision;
    },
  };
}
