import type pg from "pg";
import { createSqlArchive } from "../../archive/sql-archive.js";
import { toRecord } from "../../archive/sql/rows.js";
import { checkNotAhead } from "../revision-rules.js";
import { inScope } from "../scope.js";
import type { StoreEngine } from "../types.js";
import { watchFrom } from "../watch.js";
import { startSqlFeed } from "./feed.js";
import { findRecord, selectHistory } from "./history.js";
import { scanLog, selectLogAfter } from "./log.js";
import { createSqlReads } from "./reads.js";
import { readState } from "./state.js";
import { createSqlWriter } from "./write.js";

/** Options for {@link createSqlEngine}. */
export interface SqlEngineOptions {
  pool: pg.Pool;
  /** PostgreSQL mode: a URL for the dedicated LISTEN connection. Absent in embedded mode. */
  listenUrl?: string;
  /** Revisions kept per config in the change log; older ones move to the archive. */
  retainPerConfig?: number;
  /** How long a read waits for "at least revision R" before failing. */
  minRevisionTimeoutMs?: number;
  /** Bounded buffer per watcher before it is cut off as a slow consumer. */
  watchBufferSize?: number;
  onError?: (err: unknown) => void;
}

/**
 * Creates the SQL store engine over PostgreSQL (or PGlite): the write path (write.ts), the
 * reads (reads.ts), history from the change log and the archive (history.ts), and a change
 * feed that tails the change log for watches (feed.ts).
 */
export async function createSqlEngine(opts: SqlEngineOptions): Promise<StoreEngine> {
  const { pool } = opts;
  const retain = opts.retainPerConfig ?? 100;
  const minRevisionTimeoutMs = opts.minRevisionTimeoutMs ?? 3_000;
  const archive = createSqlArchive(pool);
  const feed = await startSqlFeed({
    pool,
    listenUrl: opts.listenUrl,
    bufferSize: opts.watchBufferSize,
    onError: opts.onError,
  });
  const write = createSqlWriter({
    pool,
    retain,
    notify: !!opts.listenUrl,
    // The feed publishes a group at once: it must fit a watcher's buffer that was drained.
    maxGroupWrites: Math.min(256, opts.watchBufferSize ?? 1024),
    onCommitted: (records) => feed.committed(records),
  });

  async function reachRevision(minRevision: bigint | undefined, signal?: AbortSignal) {
    if (!minRevision || minRevision <= feed.fanout.revision) return;
    try {
      await feed.waitFor(minRevision, minRevisionTimeoutMs, signal);
    } catch (err) {
      // Every instance reads the same database: a revision it has not committed is in the future.
      checkNotAhead(minRevision, (await readState(pool)).revision);
      throw err;
    }
  }

  const reads = createSqlReads(pool, reachRevision);

  return {
    name: "sql",

    write,

    get: reads.get,
    range: reads.range,

    async listRevisions(project, key, lo = {}) {
      const limit = lo.limit ?? 100;
      const records = await selectHistory(pool, project, key, lo.before, limit + 1);
      return { records: records.slice(0, limit), more: records.length > limit };
    },

    getRevision: (project, key, revision) => findRecord(pool, project, key, revision),

    watch(scope, startRevision, signal, progressIntervalMs) {
      return watchFrom(
        {
          fanout: feed.fanout,
          compactRevision: async () => (await readState(pool)).compact,
          committedRevision: async () => (await readState(pool)).revision,
          async *backlog(s, after, upTo) {
            for await (const batch of scanLog(pool, after, upTo)) {
              yield batch.filter((r) => inScope(s, r));
            }
          },
        },
        scope,
        startRevision,
        signal,
        progressIntervalMs,
      );
    },

    async listChanges(after, limit) {
      return (await selectLogAfter(pool, after, undefined, limit)).map(toRecord);
    },

    async markArchived() {
      // The SQL engine archives inside each write transaction: everything moved is archived.
      return archive.newestRevision();
    },

    async currentRevision() {
      return (await readState(pool)).revision;
    },

    async compactionInfo() {
      const state = await readState(pool);
      return {
        compactRevision: state.compact,
        currentRevision: state.revision,
        retainedPerConfig: retain,
        archivedRevision: await archive.newestRevision(),
      };
    },

    async close() {
      await feed.close();
    },
  };
}
