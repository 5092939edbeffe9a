import type pg from "pg";
import { createAccessChanges, type AccessChanges } from "./access-changes.js";
import { startListenConnection } from "./listen-connection.js";
import { listenOnPool } from "./pool-listener.js";

/**
 * Where a process hears of access changes:
 * - `{ listenUrl }`: PostgreSQL; a dedicated LISTEN connection to this URL, kept open with
 *   backoff and a heartbeat;
 * - `{ embedded: true }`: PGlite; the pool's one connection shares the only backend, which
 *   hears every change as it commits.
 */
export type AccessChangesSource = { listenUrl: string } | { embedded: true };

/** Options of {@link startAccessChanges}. */
export interface StartAccessChangesOptions {
  pool: pg.Pool;
  /** Absent: changes are never heard, so nothing is cached (every call reads PostgreSQL). */
  source?: AccessChangesSource;
  /** How often the dedicated connection proves it is alive. Default 5 s. */
  heartbeatMs?: number;
  /** Receives failures to listen. */
  onError?: (err: unknown) => void;
}

/** The running access change feed of a process. */
export interface RunningAccessChanges {
  changes: AccessChanges;
  /** Stops listening; the feed stops being live. */
  close(): Promise<void>;
}

/**
 * Starts hearing access changes. In both modes every connection of the pool listens too, so
 * a change this process commits is heard before the call that committed it returns.
 */
export function startAccessChanges(opts: StartAccessChangesOptions): RunningAccessChanges {
  const feed = createAccessChanges();
  const { source, pool } = opts;
  if (!source) return { changes: feed, close: async () => {} };
  const embedded = "embedded" in source;
  const stopPool = listenOnPool(pool, feed, {
    sharedBackend: embedded,
    ...(opts.onError ? { onError: opts.onError } : {}),
  });
  const connection = embedded
    ? undefined
    : startListenConnection(feed, {
        url: source.listenUrl,
        heartbeatMs: opts.heartbeatMs ?? 5_000,
        ...(opts.onError ? { onError: opts.onError } : {}),
      });
  return {
    changes: feed,
    async close() {
      stopPool();
      await connection?.close();
      feed.disconnected();
    },
  };
}
