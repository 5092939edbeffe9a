import { fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { ValueSchema, type Value } from "@bufbuild/protobuf/wkt";
import {
  ConnectError,
  createClient,
  createRouterTransport,
  type CallOptions,
  type Client,
  type Interceptor,
} from "@connectrpc/connect";
import { ConfigService, StoreService } from "@guardian/api";
import { principalKey, type Principal } from "@guardian/kit";
import { createSchemaRegistry, createSchemaWorkers } from "@guardian/schema-service";
import { createSqlEngine, createStoreRoutes, type StoreEngine } from "@guardian/store-service";
import type { TestDatabase } from "@guardian/testkit";
import type pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { createReadCache, type ReadCache } from "../read-cache/cache.js";
import { createConfigRoutes } from "../routes.js";
import type { ConfigDeps } from "../deps.js";

/** A config service wired to a real SQL store engine and the real schema registry. */
export interface Harness {
  engine: StoreEngine;
  store: Client<typeof StoreService>;
  config: Client<typeof ConfigService>;
  readCache: ReadCache;
  pool: pg.Pool;
  /** Builds another config client over the same dependencies, with some replaced. */
  configWith(overrides: Partial<ConfigDeps>): Client<typeof ConfigService>;
  close(): Promise<void>;
}

/**
 * Starts the store (SQL engine over the test database, keeping 5 revisions per config), the
 * schema registry, a read cache and the config service, all in memory over router
 * transports.
 */
export async function startHarness(
  db: TestDatabase,
  opts: { maxConfigBytes?: number; watchBufferSize?: number } = {},
): Promise<Harness> {
  const pool = db.pool();
  // The test database is dropped (WITH FORCE) right after its pool ends, while the pool's
  // clients may still be closing; without a listener their termination would crash the run.
  if (pool.listenerCount("error") === 0) pool.on("error", () => {});
  const engine = await createSqlEngine({
    pool,
    listenUrl: db.url(),
    retainPerConfig: 5,
    minRevisionTimeoutMs: 300,
    watchBufferSize: opts.watchBufferSize,
  });
  const store = createClient(StoreService, createRouterTransport(createStoreRoutes({ engine })));
  const ac = new AbortController();
  const workers = createSchemaWorkers({ threads: 1 });
  const readCache = createReadCache({ store, signal: ac.signal, minRevisionTimeoutMs: 2_000 });
  const deps: ConfigDeps = {
    pool,
    store,
    schemas: createSchemaRegistry(pool, { workers }),
    readCache,
    maxConfigBytes: opts.maxConfigBytes,
  };
  const configWith = (overrides: Partial<ConfigDeps>) =>
    createClient(
      ConfigService,
      createRouterTransport(createConfigRoutes({ ...deps, ...overrides }), {
        router: { interceptors: [testPrincipal] },
      }),
    );
  return {
    engine,
    store,
    config: configWith({}),
    readCache,
    pool,
    configWith,
    async close() {
      ac.abort();
      await workers.close();
      await engine.close();
    },
  };
}

/**
 * Starts a {@link startHarness} harness before a test file's tests and closes it after them.
 * The object returned is filled in when the harness has started, so tests use it directly.
 */
export function useHarness(
  db: TestDatabase,
  opts: Parameters<typeof startHarness>[1] = {},
): Harness {
  const h = {} as Harness;
  beforeAll(async () => {
    Object.assign(h, await startHarness(db, opts));
  });
  afterAll(async () => {
    await h.close?.();
  });
  return h;
}

/** Inserts version `version` of a JSON Schema (draft 2020-12) and makes it the latest. */
export async function seedSchema(
  pool: pg.Pool,
  project: string,
  name: string,
  content: object,
  version = 1,
): Promise<void> {
  await pool.query(
    `INSERT INTO schemas (project, name, latest_version, created_by) VALUES ($1, $2, $3, 'test')
     ON CONFLICT (project, name) DO UPDATE SET latest_version = $3`,
    [project, name, version],
  );
  await pool.query(
    `INSERT INTO schema_versions (project, name, version, content, dialect, created_by)
     VALUES ($1, $2, $3, $4, 'draft-2020-12', 'test')`,
    [project, name, version, JSON.stringify(content)],
  );
}

/** A schema that accepts any JSON value. */
export const anySchema = {};

const principalHeader = "x-test-principal";

/** Sets the principal a test call names in its header, as the auth interceptor would. */
const testPrincipal: Interceptor = (next) => (req) => {
  const principal = req.header.get(principalHeader);
  if (principal) req.contextValues.set(principalKey, JSON.parse(principal) as Principal);
  return next(req);
};

/** Call options that make the call as `principal`. */
export function as(principal: Principal): CallOptions {
  return { headers: { [principalHeader]: JSON.stringify(principal) } };
}

/** A user principal named `name`. */
export function user(name: string): Principal {
  return { kind: "user", id: name, name, account: { issuer: "https://idp.test", subject: name } };
}

/** Awaits a call that must fail and returns its ConnectError. */
export async function failure(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error("expected the call to fail");
}

let counter = 0;

/** A fresh project name for one test. */
export function projectName(): string {
  counter += 1;
  return `p${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/** Converts a plain JSON value to the google.protobuf.Value a request carries. */
export function json(value: JsonValue): Value {
  return fromJson(ValueSchema, value);
}

/** Converts a google.protobuf.Value of a response back to plain JSON. */
export function plain(value: Value | undefined): JsonValue | undefined {
  return value && toJson(ValueSchema, value);
}
