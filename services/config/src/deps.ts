import type { Client } from "@connectrpc/connect";
import type { StoreService } from "@guardian/api";
import type { CatalogCache, SchemaRegistry } from "@guardian/schema-service";
import type pg from "pg";
import type { ReadCache } from "./read-cache/cache.js";

/** Dependencies of the config service. */
export interface ConfigDeps {
  /** The PostgreSQL pool: projects, and the revision archive for history. */
  pool: pg.Pool;
  /** The store service client: every config read and write goes through it. */
  store: Client<typeof StoreService>;
  /** Resolves and compiles the schema versions configs bind to. */
  schemas: SchemaRegistry;
  /**
   * The cached project and schema lookups of the write path, shared with the registry.
   * Without it every write reads them from PostgreSQL.
   */
  catalog?: CatalogCache;
  /** The config size limit, in bytes of JSON (GUARDIAN_MAX_CONFIG_BYTES). Default 1 MiB. */
  maxConfigBytes?: number;
  /**
   * The process-wide cache ReadConfig serves from. Without it ReadConfig reads the store on
   * every call.
   */
  readCache?: ReadCache;
  /** Events one Watch stream may fall behind before it is ended. Default 1,024. */
  watchBufferEvents?: number;
  /**
   * How long a reporting instance stays live after its last report, in milliseconds
   * (GUARDIAN_INSTANCE_TTL). Default 10 minutes.
   */
  instanceTtlMs?: number;
  /** Live reporting instances one project may have (GUARDIAN_MAX_INSTANCES_PER_PROJECT). */
  maxInstancesPerProject?: number;
  /**
   * `store` runs the SQL store engine in this process, on `pool`'s database: a config write's
   * audit event is written in the store's transaction with the change (see `CarriedAudit`),
   * instead of as a pending event before the write and its settlement after.
   */
  auditWithStore?: boolean;
}

/** The default instance TTL: 10 minutes. */
export const defaultInstanceTtlMs = 10 * 60_000;

/** The default limit of live reporting instances per project. */
export const defaultMaxInstancesPerProject = 10_000;

/** The default config size limit: 1 MiB of JSON. */
export const defaultMaxConfigBytes = 1024 * 1024;

/** Bytes of content a single response or snapshot chunk aims to stay under. */
export const responseBudgetBytes = 16 * 1024 * 1024;

/**
 * How many configs with content to ask the store for at once, so that one page stays under
 * the response budget even when every config is at the size limit.
 */
export function contentPageLimit(maxConfigBytes: number, pageSize = 1000): number {
  return Math.max(1, Math.min(pageSize, Math.floor(responseBudgetBytes / maxConfigBytes)));
}
