import type { Queryable } from "@guardian/db";
import { kvColumns, logColumns, type KvRow, type LogRow } from "./rows.js";

/** Locks the revision counter for this transaction and returns it with the compact revision. */
export async function lockState(db: Queryable): Promise<{ revision: bigint; compact: bigint }> {
  const r = await db.query<{ revision: string; compact_revision: string }>(
    "SELECT revision, compact_revision FROM store_state WHERE id = 1 FOR UPDATE",
  );
  const row = r.rows[0];
  if (!row) throw new Error("store_state is missing; run the migrations");
  return { revision: BigInt(row.revision), compact: BigInt(row.compact_revision) };
}

/** Reads the revision counter and compact revision without locking. */
export async function readState(db: Queryable): Promise<{ revision: bigint; compact: bigint }> {
  const r = await db.query<{ revision: string; compact_revision: string }>(
    "SELECT revision, compact_revision FROM store_state WHERE id = 1",
  );
  const row = r.rows[0];
  if (!row) throw new Error("store_state is missing; run the migrations");
  return { revision: BigInt(row.revision), compact: BigInt(row.compact_revision) };
}

/** Sets the revision counter (inside the write transaction that holds its lock). */
export async function setRevision(db: Queryable, revision: bigint): Promise<void> {
  await db.query("UPDATE store_state SET revision = $1 WHERE id = 1", [revision.toString()]);
}

/** Finds an idempotency record. */
export async function findIdempotency(
  db: Queryable,
  project: string,
  configKey: string,
  idempotencyKey: string,
): Promise<{ requestHash: string; revision: bigint; configKey: string } | undefined> {
  const r = await db.query<{ request_hash: string; revision: string; config_key: string }>(
    `SELECT request_hash, revision, config_key FROM store_idempotency
      WHERE project = $1 AND config_key = $2 AND idempotency_key = $3`,
    [project, configKey, idempotencyKey],
  );
  const row = r.rows[0];
  return (
    row && {
      requestHash: row.request_hash,
      revision: BigInt(row.revision),
      configKey: row.config_key,
    }
  );
}

/** Records the result of a write under its idempotency key. */
export async function insertIdempotency(
  db: Queryable,
  rec: {
    project: string;
    idempotencyKey: string;
    requestHash: string;
    revision: bigint;
    configKey: string;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO store_idempotency (project, idempotency_key, request_hash, revision, config_key)
     VALUES ($1, $2, $3, $4, $5)`,
    [rec.project, rec.idempotencyKey, rec.requestHash, rec.revision.toString(), rec.configKey],
  );
}

/** Forgets idempotency records older than `maxAgeSeconds`. */
export async function pruneIdempotency(db: Queryable, maxAgeSeconds: number): Promise<void> {
  await db.query(
    "DELETE FROM store_idempotency WHERE created_at < now() - make_interval(secs => $1)",
    [maxAgeSeconds],
  );
}

/** Reads the current row of one config. */
export async function selectKv(
  db: Queryable,
  project: string,
  key: string,
): Promise<KvRow | undefined> {
  const r = await db.query<KvRow>(
    `SELECT ${kvColumns} FROM store_kv WHERE project = $1 AND key = $2`,
    [project, key],
  );
  return r.rows[0];
}

/** Filters of a range read, applied in SQL. */
export interface RangeFilter {
  schema?: string;
  labels?: Record<string, string>;
  keysOnly?: boolean;
}

/** Reads current configs of a project whose key starts with `prefix`, after `after`, in key order. */
export async function selectKvRange(
  db: Queryable,
  project: string,
  prefix: string,
  after: string,
  limit: number,
  f: RangeFilter,
): Promise<KvRow[]> {
  const columns = f.keysOnly ? kvColumns.replace("value,", "''::bytea AS value,") : kvColumns;
  const r = await db.query<KvRow>(
    `SELECT ${columns} FROM store_kv
      WHERE project = $1 AND starts_with(key, $2) AND key > $3
        AND ($5::text IS NULL OR schema_name = $5) AND labels @> $6::jsonb
      ORDER BY key LIMIT $4`,
    [project, prefix, after, limit, f.schema || null, JSON.stringify(f.labels ?? {})],
  );
  return r.rows;
}

/** Counts current configs of a project under a prefix. */
export async function countKv(db: Queryable, project: string, prefix: string): Promise<bigint> {
  const r = await db.query<{ n: string }>(
    "SELECT count(*)::text AS n FROM store_kv WHERE project = $1 AND starts_with(key, $2)",
    [project, prefix],
  );
  return BigInt(r.rows[0]?.n ?? 0);
}

/**
 * Reads configs as of a past revision, from the change log and the archive together. Returns
 * the page and the count of keys under the prefix at that revision (ignoring filters).
 */
export async function selectRangeAt(
  db: Queryable,
  project: string,
  prefix: string,
  after: string,
  limit: number,
  revision: bigint,
  f: RangeFilter,
): Promise<{ rows: LogRow[]; count: bigint }> {
  const r = await db.query<LogRow & { total: string }>(
    `WITH latest AS (
       SELECT DISTINCT ON (key) ${logColumns} FROM (
         SELECT ${logColumns} FROM store_log WHERE project = $1 AND starts_with(key, $2) AND revision <= $5
         UNION ALL
         SELECT ${logColumns} FROM revision_archive WHERE project = $1 AND starts_with(key, $2) AND revision <= $5
       ) h ORDER BY key, revision DESC
     ), live AS (SELECT * FROM latest WHERE NOT deleted)
     SELECT live.*, (SELECT count(*) FROM live)::text AS total FROM live
      WHERE key > $3 AND ($6::text IS NULL OR schema_name = $6) AND labels @> $7::jsonb
      ORDER BY key LIMIT $4`,
    [
      project,
      prefix,
      after,
      limit,
      revision.toString(),
      f.schema || null,
      JSON.stringify(f.labels ?? {}),
    ],
  );
  const total = r.rows[0]?.total;
  const count =
    total !== undefined
      ? BigInt(total)
      : BigInt(
          (
            await db.query<{ n: string }>(
              `SELECT count(*)::text AS n FROM (
                 SELECT DISTINCT ON (key) deleted FROM (
                   SELECT key, revision, deleted FROM store_log WHERE project = $1 AND starts_with(key, $2) AND revision <= $3
                   UNION ALL
                   SELECT key, revision, deleted FROM revision_archive WHERE project = $1 AND starts_with(key, $2) AND revision <= $3
                 ) h ORDER BY key, revision DESC) l WHERE NOT deleted`,
              [project, prefix, revision.toString()],
            )
          ).rows[0]?.n ?? 0,
        );
  if (f.keysOnly) for (const row of r.rows) row.value = Buffer.alloc(0);
  return { rows: r.rows, count };
}

/** Builds `$1, $2, ...` for a column list and the matching values from a row object. */
function valuesOf(
  columns: string,
  row: Record<string, unknown>,
): { placeholders: string; values: unknown[] } {
  const names = columns.split(",").map((c) => c.trim());
  return {
    placeholders: names.map((_, i) => `$${i + 1}`).join(", "),
    values: names.map((n) => (n === "labels" ? JSON.stringify(row[n] ?? {}) : row[n])),
  };
}

/** Writes the current row of one config. */
export async function upsertKv(db: Queryable, row: KvRow): Promise<void> {
  const { placeholders, values } = valuesOf(kvColumns, row as unknown as Record<string, unknown>);
  await db.query(
    `INSERT INTO store_kv (${kvColumns}) VALUES (${placeholders})
     ON CONFLICT (project, key) DO UPDATE SET
       value = EXCLUDED.value, version = EXCLUDED.version, change_type = EXCLUDED.change_type,
       author = EXCLUDED.author, message = EXCLUDED.message, request_id = EXCLUDED.request_id,
       schema_name = EXCLUDED.schema_name, schema_version = EXCLUDED.schema_version,
       validated_schema_version = EXCLUDED.validated_schema_version,
       rolled_back_from = EXCLUDED.rolled_back_from, labels = EXCLUDED.labels,
       updated_at = EXCLUDED.updated_at`,
    values,
  );
}

/** Removes the current row of one config (its history stays). */
export async function deleteKv(db: Queryable, project: string, key: string): Promise<void> {
  await db.query("DELETE FROM store_kv WHERE project = $1 AND key = $2", [project, key]);
}

/** Appends one record to the change log. */
export async function insertLog(db: Queryable, row: LogRow): Promise<void> {
  const { placeholders, values } = valuesOf(logColumns, row as unknown as Record<string, unknown>);
  await db.query(`INSERT INTO store_log (${logColumns}) VALUES (${placeholders})`, values);
}

/**
 * Moves all but the newest `keep` change-log records of one config to the archive, in the
 * caller's transaction, and returns the highest revision moved (0n when none).
 */
export async function archiveOldRevisions(
  db: Queryable,
  project: string,
  key: string,
  keep: number,
): Promise<bigint> {
  const r = await db.query<{ max: string | null }>(
    `WITH old AS (
       DELETE FROM store_log WHERE revision IN (
         SELECT revision FROM store_log WHERE project = $1 AND key = $2
          ORDER BY revision DESC OFFSET $3)
       RETURNING ${logColumns}
     ), moved AS (
       INSERT INTO revision_archive (${logColumns}) SELECT ${logColumns} FROM old
       ON CONFLICT (project, key, revision) DO NOTHING
     )
     SELECT max(revision)::text AS max FROM old`,
    [project, key, keep],
  );
  return BigInt(r.rows[0]?.max ?? 0);
}

/** Raises the compact revision to at least `revision`. */
export async function raiseCompactRevision(db: Queryable, revision: bigint): Promise<void> {
  await db.query(
    "UPDATE store_state SET compact_revision = greatest(compact_revision, $1) WHERE id = 1",
    [revision.toString()],
  );
}

/** Reads change-log records after `after` (exclusive) up to `upTo` (inclusive), in order. */
export async function selectLogAfter(
  db: Queryable,
  after: bigint,
  upTo: bigint | undefined,
  limit: number,
): Promise<LogRow[]> {
  const r = await db.query<LogRow>(
    `SELECT ${logColumns} FROM store_log
      WHERE revision > $1 AND ($2::bigint IS NULL OR revision <= $2)
      ORDER BY revision LIMIT $3`,
    [after.toString(), upTo?.toString() ?? null, limit],
  );
  return r.rows;
}

/** Reads one config's revisions, newest first, from the change log and the archive together. */
export async function selectHistory(
  db: Queryable,
  project: string,
  key: string,
  before: bigint | undefined,
  limit: number,
): Promise<LogRow[]> {
  const r = await db.query<LogRow>(
    `SELECT ${logColumns} FROM (
       SELECT ${logColumns} FROM store_log WHERE project = $1 AND key = $2
       UNION
       SELECT ${logColumns} FROM revision_archive WHERE project = $1 AND key = $2
     ) h WHERE ($3::bigint IS NULL OR revision < $3)
     ORDER BY revision DESC LIMIT $4`,
    [project, key, before?.toString() ?? null, limit],
  );
  return r.rows;
}

/** Reads one revision of one config from the change log or the archive. */
export async function selectRevision(
  db: Queryable,
  project: string,
  key: string,
  revision: bigint,
): Promise<LogRow | undefined> {
  const r = await db.query<LogRow>(
    `SELECT ${logColumns} FROM store_log WHERE project = $1 AND key = $2 AND revision = $3
     UNION ALL
     SELECT ${logColumns} FROM revision_archive WHERE project = $1 AND key = $2 AND revision = $3
     LIMIT 1`,
    [project, key, revision.toString()],
  );
  return r.rows[0];
}

/** Reads the newest revision of one config at or below `revision`. */
export async function selectRevisionAt(
  db: Queryable,
  project: string,
  key: string,
  revision: bigint,
): Promise<LogRow | undefined> {
  const r = await db.query<LogRow>(
    `SELECT ${logColumns} FROM (
       SELECT ${logColumns} FROM store_log WHERE project = $1 AND key = $2 AND revision <= $3
       UNION ALL
       SELECT ${logColumns} FROM revision_archive WHERE project = $1 AND key = $2 AND revision <= $3
     ) h ORDER BY revision DESC LIMIT 1`,
    [project, key, revision.toString()],
  );
  return r.rows[0];
}

/** Counts revisions held in the archive (for compaction info). */
export async function maxArchivedRevision(db: Queryable): Promise<bigint> {
  const r = await db.query<{ max: string | null }>(
    "SELECT max(revision)::text AS max FROM revision_archive",
  );
  return BigInt(r.rows[0]?.max ?? 0);
}

/** Reads revision records by revision number (from the change log or the archive). */
export async function selectRevisions(db: Queryable, revisions: bigint[]): Promise<LogRow[]> {
  if (revisions.length === 0) return [];
  const r = await db.query<LogRow>(
    `SELECT ${logColumns} FROM store_log WHERE revision = ANY ($1::bigint[])
     UNION ALL
     SELECT ${logColumns} FROM revision_archive WHERE revision = ANY ($1::bigint[])`,
    [revisions.map(String)],
  );
  return r.rows;
}
