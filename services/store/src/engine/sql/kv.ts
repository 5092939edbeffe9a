import type { Queryable } from "@guardian/db";
import { columnArrays, kvColumns, type KvRow } from "./rows.js";

/** Filters of a range read, applied in SQL. */
export interface RangeFilter {
  schema?: string;
  labels?: Record<string, string>;
  keysOnly?: boolean;
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

/** Reads the current rows of several configs (those that exist), in no particular order. */
export async function selectKvMany(
  db: Queryable,
  configs: { project: string; key: string }[],
): Promise<KvRow[]> {
  if (configs.length === 0) return [];
  const r = await db.query<KvRow>(
    `SELECT ${kvColumns} FROM store_kv
      WHERE (project, key) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [configs.map((c) => c.project), configs.map((c) => c.key)],
  );
  return r.rows;
}

/**
 * Writes the current rows of several configs (at most one row per config) in one statement;
 * a config deleted and created again since its row was written gets its new create revision.
 */
export async function upsertKvMany(db: Queryable, rows: KvRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO store_kv (${kvColumns})
     SELECT * FROM unnest(
       $1::text[], $2::text[], $3::bytea[], $4::bigint[], $5::bigint[], $6::text[], $7::text[],
       $8::text[], $9::text[], $10::text[], $11::integer[], $12::integer[], $13::bigint[],
       $14::jsonb[], $15::timestamptz[], $16::text[], $17::timestamptz[])
     ON CONFLICT (project, key) DO UPDATE SET
       value = EXCLUDED.value, version = EXCLUDED.version,
       create_revision = EXCLUDED.create_revision, change_type = EXCLUDED.change_type,
       author = EXCLUDED.author, message = EXCLUDED.message, request_id = EXCLUDED.request_id,
       schema_name = EXCLUDED.schema_name, schema_version = EXCLUDED.schema_version,
       validated_schema_version = EXCLUDED.validated_schema_version,
       rolled_back_from = EXCLUDED.rolled_back_from, labels = EXCLUDED.labels,
       updated_at = EXCLUDED.updated_at, created_by = EXCLUDED.created_by,
       created_at = EXCLUDED.created_at`,
    columnArrays(kvColumns, rows),
  );
}

/** Removes the current rows of several configs (their history stays). */
export async function deleteKvMany(
  db: Queryable,
  configs: { project: string; key: string }[],
): Promise<void> {
  if (configs.length === 0) return;
  await db.query(
    `DELETE FROM store_kv
      WHERE (project, key) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [configs.map((c) => c.project), configs.map((c) => c.key)],
  );
}
