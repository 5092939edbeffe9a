import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { createClient, type Client } from "@connectrpc/connect";
import {
  AuthService,
  ClusterService,
  ConfigService,
  SchemaService,
  StoreService,
} from "@guardian/api";
import type { AuthSystem } from "@guardian/auth-service";
import { createClusterRoutes } from "@guardian/cluster-service";
import type { ClusterBackend } from "@guardian/cluster-service";
import {
  createConfigFastRoutes,
  createConfigService,
  createJobRoutes,
  createReadCache,
  createWebhookRoutes,
  registerReadCacheMetrics,
  startAuditSweep,
  startInstanceSweep,
  type WebhookServiceDeps,
} from "@guardian/config-service";
import {
  createPageTokenSigner,
  createServiceTransport,
  guardServiceClient,
  type FastRoute,
  type HttpRoute,
  type Logger,
  type Metrics,
} from "@guardian/kit";
import {
  createCatalogCache,
  createLocalCatalogFeed,
  createPgCatalogFeed,
  createSchemaRegistry,
  createSchemaRoutes,
  createSchemaWorkers,
} from "@guardian/schema-service";
import {
  createLocalStoreClient,
  createStoreFastRoutes,
  createStoreRoutes,
  type StoreEngine,
} from "@guardian/store-service";
import type { JobQueue } from "@guardian/db";
import type pg from "pg";

/** The names of the services a process can host. */
export const serviceNames = ["auth", "config", "schema", "cluster", "store"] as const;

/** One service name, as given to `guardian serve`. */
export type ServiceName = (typeof serviceNames)[number];

/** A service ready to mount: its fully qualified name (for health) and its routes. */
export interface HostedService {
  name: ServiceName;
  typeName: string;
  routes: (router: ConnectRouter) => void;
  /** RPCs the server answers without Connect's router (kit's `fastRoutes`). */
  fastRoutes?: FastRoute[];
}

/** What the hosted services share. */
export interface ServiceDeps {
  pool: pg.Pool;
  logger: Logger;
  auth: AuthSystem;
  /** The store engine, when this process hosts the store service. */
  engine?: StoreEngine;
  /** Where the store service runs, when this process does not host it. */
  storeUrl?: string;
  /** The deployment's page-token secret: the store's tokens must verify in every process. */
  pageTokenSecret: string;
  /** Interceptors for calls to a remote store (service credentials). */
  storeInterceptors?: Interceptor[];
  /** The cluster backend, when this process hosts the cluster service. */
  cluster?: ClusterBackend;
  maxConfigBytes: number;
  maxSchemaBytes: number;
  /** The audit sweep of pending events, run where the config service is hosted. */
  auditSweep: { intervalMs: number; pendingTimeoutMs: number };
  /** Worker threads that compile schemas and validate documents. */
  schemaThreads: number;
  /** Longest one schema compile or validation may take, in milliseconds. */
  schemaDeadlineMs: number;
  /** How long the read cache may go without hearing from the store before reads are stale. */
  readStaleAfterMs: number;
  /** Apply reports: how long an instance stays live, and how many one project may have. */
  instances: { ttlMs: number; maxPerProject: number };
  /**
   * The PostgreSQL URL a dedicated connection listens on for changes to projects and schemas
   * committed by other processes. Unset in embedded mode, where this process makes every
   * change (and PGlite delivers no notifications across connections).
   */
  listenUrl?: string;
  /** Aborted at shutdown: ends background watches. */
  signal: AbortSignal;
  /** The process's metrics, where the read cache reports its lag. */
  metrics?: Metrics;
  /** WebhookService's settings and the key its secrets are sealed with. */
  webhooks: Omit<WebhookServiceDeps, "pool">;
  /** The job queue JobService administers (the one this process's worker hears, if any). */
  jobQueue: JobQueue;
}

/** The services of one process plus what it serves outside Connect. */
export interface HostedServices {
  services: HostedService[];
  httpRoutes: Record<string, HttpRoute>;
  /**
   * Stops what the services run beside the server (the schema worker threads and the catalog
   * listener).
   */
  close(): Promise<void>;
}

/**
 * Builds the routes of the named services. Config and schema reach the store through a
 * Connect client: calling the store's handlers directly when this process hosts the store, over gRPC
 * otherwise.
 */
export function hostServices(names: readonly ServiceName[], deps: ServiceDeps): HostedServices {
  let store: Client<typeof StoreService> | undefined;
  const storeClient = () => {
    if (store) return store;
    let raw: Client<typeof StoreService>;
    if (deps.engine) {
      raw = createLocalStoreClient({
        engine: deps.engine,
        pageTokenSigner: createPageTokenSigner(deps.pageTokenSecret),
      });
    } else if (deps.storeUrl) {
      raw = createClient(
        StoreService,
        createServiceTransport({ baseUrl: deps.storeUrl, interceptors: deps.storeInterceptors }),
      );
    } else {
      throw new Error(
        "GUARDIAN_STORE_URL is required when the store service runs in another process",
      );
    }
    // Every user of the store (handlers, the fast read routes, the read cache, the audit sweep)
    // sees a lost store as Unavailable, never as the transport's Aborted or Canceled.
    store = guardServiceClient(StoreService, raw, ["write"]);
    return store;
  };
  // Threads start on first use, so processes that never validate start none.
  const workers = createSchemaWorkers({
    threads: deps.schemaThreads,
    deadlineMs: deps.schemaDeadlineMs,
    onError: (err: unknown) => deps.logger.error({ err }, "a schema worker thread failed"),
  });
  const catalogUsed = names.includes("config") || names.includes("schema");
  const feed =
    deps.listenUrl && catalogUsed
      ? createPgCatalogFeed({
          url: deps.listenUrl,
          onError: (err: unknown) => deps.logger.warn({ err }, "catalog listener failed"),
        })
      : createLocalCatalogFeed();
  // The write path's project and schema lookups, shared by config and schema.
  const catalog = createCatalogCache(deps.pool, feed);
  const registry = createSchemaRegistry(deps.pool, { workers, catalog });
  const services = names.map((name): HostedService => {
    switch (name) {
      case "auth":
        return { name, typeName: AuthService.typeName, routes: deps.auth.authRoutes };
      case "config": {
        const readCache = createReadCache({
          store: storeClient(),
          signal: deps.signal,
          maxConfigBytes: deps.maxConfigBytes,
          staleAfterMs: deps.readStaleAfterMs,
          onError: (err: unknown) => deps.logger.warn({ err }, "read cache watch failed"),
        });
        if (deps.metrics) registerReadCacheMetrics(deps.metrics.registry, readCache);
        // Settles audit events that a crash (or a lost store) left pending, from the store.
        startAuditSweep({
          pool: deps.pool,
          store: storeClient(),
          ...deps.auditSweep,
          signal: deps.signal,
          onError: (err: unknown) => deps.logger.warn({ err }, "audit sweep failed"),
        });
        // Deletes reporting instances that aged out (reads already leave them out).
        startInstanceSweep({
          pool: deps.pool,
          ttlMs: deps.instances.ttlMs,
          signal: deps.signal,
          onError: (err: unknown) => deps.logger.warn({ err }, "instance sweep failed"),
        });
        const configDeps = {
          pool: deps.pool,
          store: storeClient(),
          // The SQL engine writes on this pool: config writes carry their audit events.
          auditWithStore: deps.engine?.name === "sql",
          schemas: registry,
          catalog,
          maxConfigBytes: deps.maxConfigBytes,
          readCache,
          instanceTtlMs: deps.instances.ttlMs,
          maxInstancesPerProject: deps.instances.maxPerProject,
        };
        const jobRoutes = createJobRoutes({ pool: deps.pool, queue: deps.jobQueue });
        // One instance serves both routes: one watch hub, so one store watch per process.
        const config = createConfigService(configDeps);
        // WebhookService is part of the config service, on the same routes.
        const webhookRoutes = createWebhookRoutes({ ...deps.webhooks, pool: deps.pool });
        return {
          name,
          typeName: ConfigService.typeName,
          routes: (router) => {
            router.service(ConfigService, config);
            webhookRoutes(router);
            jobRoutes(router);
          },
          fastRoutes: createConfigFastRoutes(config),
        };
      }
      case "schema":
        return {
          name,
          typeName: SchemaService.typeName,
          routes: createSchemaRoutes({
            pool: deps.pool,
            store: storeClient(),
            registry,
            workers,
            maxSchemaBytes: deps.maxSchemaBytes,
            maxDocumentBytes: deps.maxConfigBytes,
          }),
        };
      case "cluster":
        if (!deps.cluster) throw new Error("the cluster service needs a cluster backend");
        return {
          name,
          typeName: ClusterService.typeName,
          routes: createClusterRoutes({ backend: deps.cluster, pool: deps.pool }),
        };
      case "store":
        if (!deps.engine) throw new Error("the store service needs a store engine");
        return {
          name,
          typeName: StoreService.typeName,
          routes: createStoreRoutes({ engine: deps.engine }),
          fastRoutes: createStoreFastRoutes({ engine: deps.engine }),
        };
    }
  });
  return {
    services,
    httpRoutes: names.includes("auth") ? deps.auth.httpRoutes : {},
    async close() {
      catalog.close();
      await feed.close();
      await workers.close();
    },
  };
}

/** Reports whether a word names a service. */
export function isServiceName(word: string): word is ServiceName {
  return (serviceNames as readonly string[]).includes(word);
}
