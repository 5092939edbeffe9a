import type { Queryable } from "@guardian/db";
import { kvColumns, valuesOf, type KvRow } from "./rows.js";

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

/** Writes the current row of one config. */
export async function upsertKv(db: Queryable, row: KvRow): Promise<void> {
  const { placeholders, values } = valuesOf(kvColumns, row);
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
