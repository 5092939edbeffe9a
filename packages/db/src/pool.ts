import pg from "pg";
import { tracingEnabled } from "@guardian/kit";
import { traceQueries } from "./query-tracing.js";

/** Options for {@link createPool}. */
export interface PoolOptions {
  /** A `postgres://` connection string. */
  url: string;
  /** Maximum connections; embedded mode (PGlite) must use 1. */
  max?: number;
  /** Reported to PostgreSQL as `application_name`. */
  applicationName?: string;
  /**
   * How long getting a connection may take (opening one, or waiting for a busy pool) before
   * the query fails: a database that cannot be reached fails calls after this, never hangs
   * them. Default 10 s.
   */
  connectTimeoutMs?: number;
  /** Called when an idle client fails (the pool replaces it). */
  onError?: (err: Error) => void;
}

/**
 * Creates a `pg` pool that never crashes the process when a client dies, idle or held. With tracing
 * on when it is made, every query runs in a span (see {@link traceQueries}).
 */
export function createPool(opts: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? "guardian",
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    // TCP keepalive probes from 10 s of silence, so that a connection whose server vanished
    // (a failover, a dropped NAT entry) fails instead of holding its query for good.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // An idle client that loses its server emits 'error' on the pool; unhandled it would kill the process.
  pool.on("error", (err) => opts.onError?.(err));
  // A checked-out client (a transaction) has no pool listener: while it is held, the pool
  // removes its own, so a server restart or a terminated backend would emit 'error' with no
  // listener and end the process. The holder hears of it from its query, which fails (an
  // idle client's error also reaches the pool's listener above); the client, no longer
  // usable, is discarded when it is released.
  pool.on("connect", (client) => client.on("error", () => {}));
  if (tracingEnabled()) traceQueries(pool);
  return pool;
}

/** A pool or a checked-out client: anything that can run a query. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, "query">;
