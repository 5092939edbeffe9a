import {
  createClient,
  createRouterTransport,
  type CallOptions,
  type Client,
  type Interceptor,
} from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import type { StoreService } from "@guardian/api";
import { ConfigService, WebhookService } from "@guardian/api";
import {
  createHealth,
  createLogger,
  createMetrics,
  createServer,
  principalKey,
  type Principal,
  type Server,
} from "@guardian/kit";
import {
  createCatalogCache,
  createLocalCatalogFeed,
  createPgCatalogFeed,
  createSchemaRegistry,
  createSchemaWorkers,
  type CatalogCache,
  type CatalogFeed,
} from "@guardian/schema-service";
import { createLocalStoreClient, createSqlEngine, type StoreEngine } from "@guardian/store-service";
import { useTestDatabase, type TestDatabase } from "@guardian/testkit";
import type pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { createReadCache, type ReadCache } from "../read-cache/cache.js";
import { createConfigFastRoutes } from "../lean-read/read-config-route.js";
import { createConfigRoutes, createConfigService } from "../routes.js";
import type { ConfigDeps } from "../deps.js";
import type { WebhookServiceDeps } from "../webhooks/deps.js";
import { createWebhookRoutes } from "../webhooks/routes.js";

/** A config service wired to a real SQL store engine and the real schema registry. */
export interface Harness {
  /** The test database the harness runs on (a clone of the migrated template). */
  db: TestDatabase;
  engine: StoreEngine;
  store: Client<typeof StoreService>;
  config: Client<typeof ConfigService>;
  /** With `overGrpc`: the base URL of the server `config` speaks to. */
  url?: string;
  readCache: ReadCache;
  pool: pg.Pool;
  /** The cached project and schema lookups, fed by the database's catalog notifications. */
  catalog: CatalogCache;
  /** The feed that keeps {@link Harness.catalog} correct. */
  catalogFeed: CatalogFeed;
  /**
   * Builds another config client over the same dependencies, with some replaced; with
   * `json`, the client speaks the JSON codec (the default is the binary one).
   */
  configWith(
    overrides: Partial<ConfigDeps>,
    opts?: { json?: boolean },
  ): Client<typeof ConfigService>;
  /** Builds a WebhookService client on the harness's pool with these settings. */
  webhooksWith(deps?: Omit<WebhookServiceDeps, "pool">): Client<typeof WebhookService>;
  close(): Promise<void>;
}

/** Options of {@link startHarness}. */
export interface HarnessOptions {
  /** The config size limit of the config service. */
  maxConfigBytes?: number;
  /**
   * Events a Watch stream of the config service may fall behind its hub before it is ended.
   * The store's own watch buffer keeps its default, so the hub never loses its store watch
   * to a burst and the stream's end does not depend on timing.
   */
  watchBufferEvents?: number;
  /**
   * The database is embedded (PGlite): nothing listens for notifications, and the catalog
   * cache hears only the changes made through this harness, as in `guardian dev`.
   */
  embedded?: boolean;
  /**
   * `config` speaks gRPC to kit's server on a loopback port, which serves the service with
   * its fast routes (Watch's included), as a host does; otherwise it calls in memory.
   */
  overGrpc?: boolean;
}

/**
 * Starts the store (SQL engine over the test database, keeping 5 revisions per config), the
 * schema registry, a read cache and the config service, all in memory over router
 * transports.
 */
export async function startHarness(db: TestDatabase, opts: HarnessOptions = {}): Promise<Harness> {
  const pool = db.pool();
  // The test database is dropped (WITH FORCE) right after its pool ends, while the pool's
  // clients may still be closing; without a listener their termination would crash the run.
  if (pool.listenerCount("error") === 0) pool.on("error", () => {});
  const engine = await createSqlEngine({
    pool,
    listenUrl: opts.embedded ? undefined : db.url(),
    retainPerConfig: 5,
    minRevisionTimeoutMs: 300,
  });
  // The client the embedded host uses: the store's handlers, called in this process.
  const store = createLocalStoreClient({ engine });
  const ac = new AbortController();
  const workers = createSchemaWorkers({ threads: 1 });
  const readCache = createReadCache({ store, signal: ac.signal, minRevisionTimeoutMs: 2_000 });
  const feed = opts.embedded ? createLocalCatalogFeed() : createPgCatalogFeed({ url: db.url() });
  const catalog = createCatalogCache(pool, feed);
  const deps: ConfigDeps = {
    pool,
    store,
    schemas: createSchemaRegistry(pool, { workers, catalog }),
    catalog,
    readCache,
    maxConfigBytes: opts.maxConfigBytes,
    watchBufferEvents: opts.watchBufferEvents,
    // As the embedded host does: the SQL engine writes on this pool.
    auditWithStore: true,
  };
  const configWith = (overrides: Partial<ConfigDeps>, opts: { json?: boolean } = {}) =>
    createClient(
      ConfigService,
      createRouterTransport(createConfigRoutes({ ...deps, ...overrides }), {
        router: { interceptors: [testPrincipal] },
        transport: { useBinaryFormat: !opts.json },
      }),
    );
  const server = opts.overGrpc ? await serveOverGrpc(deps) : undefined;
  return {
    db,
    engine,
    store,
    config: server ? server.client : configWith({}),
    ...(server ? { url: server.url } : {}),
    readCache,
    pool,
    catalog,
    catalogFeed: feed,
    configWith,
    webhooksWith: (webhookDeps = {}) =>
      createClient(
        WebhookService,
        createRouterTransport(createWebhookRoutes({ ...webhookDeps, pool }), {
          router: { interceptors: [testPrincipal] },
        }),
      ),
    async close() {
      await server?.server.close();
      ac.abort();
      catalog.close();
      await feed.close();
      await workers.close();
      await engine.close();
    },
  };
}

/** Serves the config service as a host does, on a loopback port, to a gRPC client. */
async function serveOverGrpc(
  deps: ConfigDeps,
): Promise<{ server: Server; url: string; client: Client<typeof ConfigService> }> {
  const impl = createConfigService(deps);
  const server = createServer({
    routes: (router) => router.service(ConfigService, impl),
    fastRoutes: createConfigFastRoutes(impl),
    logger: createLogger({ level: "silent" }),
    health: createHealth(),
    metrics: createMetrics({ defaultMetrics: false }),
    interceptors: [testPrincipal],
  });
  const { url } = await server.listen();
  const client = createClient(ConfigService, createGrpcTransport({ baseUrl: url }));
  return { server, url, client };
}

/** Options of {@link useHarness}. */
export interface UseHarnessOptions extends HarnessOptions {
  /** Connections of the test database's pool. */
  poolSize?: number;
}

/**
 * Gives a test file its own test database and a {@link startHarness} harness on it, started
 * before the file's tests and closed after them. The object returned is filled in when the
 * harness has started, so tests use it directly.
 */
export function useHarness(opts: UseHarnessOptions = {}): Harness {
  const { poolSize, ...harness } = opts;
  const db = useTestDatabase({ poolSize });
  const h = {} as Harness;
  beforeAll(async () => {
    Object.assign(h, await startHarness(db, harness));
  });
  afterAll(async () => {
    await h.close?.();
  });
  return h;
}

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
