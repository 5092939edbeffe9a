import type pg from "pg";
import { withTransaction, type Queryable } from "@guardian/db";
import { StoreError } from "../errors.js";
import { inScope } from "../scope.js";
import { changeKindOf, hashWriteRequest } from "../write-rules.js";
import type { KeyValue, StoreEngine, WriteInput, WriteResult } from "../types.js";
import { watchFrom } from "../watch.js";
import { startSqlFeed, notifyChannel } from "./feed.js";
import * as q from "./queries.js";
import { recordToKeyValue } from "../records.js";
import { toKeyValue, toRecord, type LogRow } from "./rows.js";

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

const idempotencyTtlSeconds = 24 * 60 * 60;

/**
 * Creates the SQL store engine over PostgreSQL (or PGlite). Each write is one transaction
 * that serializes on the revision counter, compares the version, and writes the value, the
 * change-log record and the idempotency record together.
 */
export async function createSqlEngine(opts: SqlEngineOptions): Promise<StoreEngine> {
  const { pool } = opts;
  const retain = opts.retainPerConfig ?? 100;
  const minRevisionTimeoutMs = opts.minRevisionTimeoutMs ?? 3_000;
  const feed = await startSqlFeed({
    pool,
    listenUrl: opts.listenUrl,
    bufferSize: opts.watchBufferSize,
    onError: opts.onError,
  });

  async function reachRevision(minRevision: bigint | undefined, signal?: AbortSignal) {
    if (!minRevision || minRevision <= feed.fanout.revision) return;
    try {
      await feed.waitFor(minRevision, minRevisionTimeoutMs, signal);
    } catch (err) {
      // Every instance reads the same database: a revision it has not committed is in the future.
      const { revision } = await q.readState(pool);
      if (revision < minRevision) {
        throw new StoreError(
          "future_revision",
          `revision ${minRevision} is ahead of the store's revision ${revision}`,
        );
      }
      throw err;
    }
  }

  async function write(input: WriteInput): Promise<WriteResult> {
    const value = input.op === "put" ? (input.value ?? new Uint8Array()) : new Uint8Array();
    const requestHash = hashWriteRequest(input, value);
    const result = await withTransaction(pool, async (db) => {
      const state = await q.lockState(db);
      if (input.idempotencyKey) {
        const seen = await q.findIdempotency(db, input.project, input.key, input.idempotencyKey);
        if (seen) {
          if (seen.requestHash !== requestHash) {
            throw new StoreError(
              "idempotency_mismatch",
              `idempotency key "${input.idempotencyKey}" was already used for a different request`,
            );
          }
          const row = await q.selectRevision(db, input.project, seen.configKey, seen.revision);
          if (!row) throw new Error(`revision ${seen.revision} of an idempotent write is missing`);
          return { revision: seen.revision, record: toRecord(row), idempotentReplay: true };
        }
      }
      const current = await q.selectKv(db, input.project, input.key);
      const currentVersion = current ? BigInt(current.version) : 0n;
      if (input.expectedVersion !== undefined && input.expectedVersion !== currentVersion) {
        throw new StoreError(
          "version_conflict",
          input.expectedVersion === 0n
            ? `config "${input.key}" already exists at version ${currentVersion}`
            : `config "${input.key}" is at version ${currentVersion}, not ${input.expectedVersion}`,
          { currentVersion },
        );
      }
      if ((input.op === "delete" || input.mustExist) && !current) {
        throw new StoreError("not_found", `config "${input.key}" does not exist`);
      }
      const revision = state.revision + 1n;
      const now = new Date();
      const changeKind = changeKindOf(input, current !== undefined);
      const row: LogRow = {
        revision: revision.toString(),
        project: input.project,
        key: input.key,
        create_revision: current ? current.create_revision : revision.toString(),
        previous_revision: current ? current.version : "0",
        change_type: changeKind,
        value: Buffer.from(value),
        deleted: input.op === "delete",
        author: input.meta.author,
        message: input.meta.message,
        request_id: input.meta.requestId,
        schema_name: input.meta.schema,
        schema_version: input.meta.schemaVersion,
        validated_schema_version: input.meta.validatedSchemaVersion,
        rolled_back_from: input.meta.rolledBackFrom.toString(),
        labels: input.meta.labels,
        created_at: now,
      };
      await q.insertLog(db, row);
      if (input.op === "delete") {
        await q.deleteKv(db, input.project, input.key);
      } else {
        await q.upsertKv(db, {
          ...row,
          version: row.revision,
          updated_at: now,
          created_by: current ? current.created_by : row.author,
          created_at: current ? current.created_at : now,
        });
      }
      await q.setRevision(db, revision);
      if (input.idempotencyKey) {
        await q.insertIdempotency(db, {
          project: input.project,
          idempotencyKey: input.idempotencyKey,
          requestHash,
          revision,
          configKey: input.key,
        });
      }
      const archived = await q.archiveOldRevisions(db, input.project, input.key, retain);
      if (archived > 0n) await q.raiseCompactRevision(db, archived);
      if (revision % 256n === 0n) await q.pruneIdempotency(db, idempotencyTtlSeconds);
      if (opts.listenUrl)
        await db.query("SELECT pg_notify($1, $2)", [notifyChannel, revision.toString()]);
      return { revision, record: toRecord(row), idempotentReplay: false };
    });
    feed.nudge();
    return result;
  }

  return {
    name: "sql",
    write,

    async get(project, key, ro = {}) {
      await reachRevision(ro.revision || ro.minRevision, ro.signal);
      return withTransaction(
        pool,
        async (db) => {
          const { revision } = await q.readState(db);
          if (ro.revision) {
            const row = await q.selectRevisionAt(db, project, key, ro.revision);
            if (!row || row.deleted) return { kv: undefined, revision: ro.revision };
            return { kv: (await withCreators(db, [row]))[0], revision: ro.revision };
          }
          const row = await q.selectKv(db, project, key);
          return { kv: row && toKeyValue(row), revision };
        },
        { isolation: "repeatable read" },
      );
    },

    async range(project, prefix, ro = {}) {
      await reachRevision(ro.revision || ro.minRevision, ro.signal);
      const limit = ro.limit ?? 100;
      const filter = { schema: ro.schema, labels: ro.labels, keysOnly: ro.keysOnly };
      return withTransaction(
        pool,
        async (db) => {
          const { revision } = await q.readState(db);
          const after = ro.after ?? "";
          if (ro.revision) {
            const at = await q.selectRangeAt(
              db,
              project,
              prefix,
              after,
              limit + 1,
              ro.revision,
              filter,
            );
            return {
              kvs: await withCreators(db, at.rows.slice(0, limit)),
              revision: ro.revision,
              more: at.rows.length > limit,
              count: at.count,
            };
          }
          const rows = await q.selectKvRange(db, project, prefix, after, limit + 1, filter);
          return {
            kvs: rows.slice(0, limit).map(toKeyValue),
            revision,
            more: rows.length > limit,
            count: await q.countKv(db, project, prefix),
          };
        },
        { isolation: "repeatable read" },
      );
    },

    async listRevisions(project, key, lo = {}) {
      const limit = lo.limit ?? 100;
      const rows = await q.selectHistory(pool, project, key, lo.before, limit + 1);
      return { records: rows.slice(0, limit).map(toRecord), more: rows.length > limit };
    },

    async getRevision(project, key, revision) {
      const row = await q.selectRevision(pool, project, key, revision);
      return row && toRecord(row);
    },

    watch(scope, startRevision, signal, progressIntervalMs) {
      return watchFrom(
        {
          fanout: feed.fanout,
          compactRevision: async () => (await q.readState(pool)).compact,
          committedRevision: async () => (await q.readState(pool)).revision,
          async *backlog(s, after, upTo) {
            let from = after;
            for (;;) {
              const rows = await q.selectLogAfter(pool, from, upTo, 500);
              if (rows.length === 0) return;
              from = BigInt(rows[rows.length - 1]!.revision);
              yield rows.map(toRecord).filter((r) => inScope(s, r));
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
      return (await q.selectLogAfter(pool, after, undefined, limit)).map(toRecord);
    },

    async markArchived() {
      // The SQL engine archives inside each write transaction: everything moved is archived.
      return q.maxArchivedRevision(pool);
    },

    async currentRevision() {
      return (await q.readState(pool)).revision;
    },

    async compactionInfo() {
      const state = await q.readState(pool);
      return {
        compactRevision: state.compact,
        currentRevision: state.revision,
        retainedPerConfig: retain,
        archivedRevision: await q.maxArchivedRevision(pool),
      };
    },

    async close() {
      await feed.close();
    },
  };
}

/** Turns historical records into key-values, looking up who created each key and when. */
async function withCreators(db: Queryable, rows: LogRow[]): Promise<KeyValue[]> {
  const created = await q.selectRevisions(
    db,
    rows.map((r) => BigInt(r.create_revision)),
  );
  const byRevision = new Map(created.map((c) => [c.revision, toRecord(c)]));
  return rows.map((r) => recordToKeyValue(toRecord(r), byRevision.get(r.create_revision)));
}
