import type pg from "pg";
import { createAccessChanges, type AccessChanges } from "./access-changes.js";
import { startListenConnection } from "./listen-connection.js";
import { listenOnSharedBackend } from "./shared-backend.js";

/**
 * Where a process hears of access changes:
 * - `{ listenUrl }`: PostgreSQL; a dedicated LISTEN connection to this URL, kept open with
 *   backoff and a heartbeat. Changes the process commits itself are reported by the code
 *   that commits them ({@link AccessChanges.changed}) before its call returns.
 * - `{ embedded: true }`: PGlite; the pool's connections share the only backend, which
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

/** Starts hearing access changes from `source`. */
export function startAccessChanges(opts: StartAccessChangesOptions): RunningAccessChanges {
  const feed = createAccessChanges();
  const { source } = opts;
  if (!source) return { changes: feed, close: async () => {} };
  if ("embedded" in source) {
    const stop = listenOnSharedBackend(opts.pool, feed, opts.onError);
    return { changes: feed, close: async () => stop() };
  }
  const connection = startListenConnection(feed, {
    url: source.listenUrl,
    heartbeatMs: opts.heartbeatMs ?? 5_000,
    ...(opts.onError ? { onError: opts.onError } : {}),
  });
  return { changes: feed, close: () => connection.close() };
}
