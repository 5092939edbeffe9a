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
  /**
   * Longest a statement may run. PostgreSQL cancels it after this (`statement_timeout`:
   * 57014, which services answer DeadlineExceeded); and when the server stops answering
   * while its host still does (a stopped or wedged process, whose kernel keeps answering TCP
   * keepalives), the client gives up after as long again, at most 5 s more (`query_timeout`:
   * a connection loss, answered Unavailable) and discards the connection. 0, the default,
   * sets no bound.
   */
  statementTimeoutMs?: number;
  /** Called when an idle client fails (the pool replaces it). */
  onError?: (err: Error) => void;
}

/**
 * Creates a `pg` pool that never crashes the process when a client dies, idle or held. With tracing
 * on when it is made, every query runs in a span (see {@link traceQueries}).
 */
export function createPool(opts: PoolOptions): pg.Pool {
  const statementMs = Math.max(0, Math.floor(opts.statementTimeoutMs ?? 0));
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
    ...(statementMs > 0 && {
      statement_timeout: statementMs,
      query_timeout: statementMs + Math.min(5_000, statementMs),
    }),
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
