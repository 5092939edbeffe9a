import type { Queryable } from "@guardian/db";
import { kvColumns, type KvRow } from "./rows.js";

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
  const r = await db.query<KvRow>({
    name: "store_select_kv_many",
    text: `SELECT ${kvColumns} FROM store_kv
      WHERE (project, key) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    values: [configs.map((c) => c.project), configs.map((c) => c.key)],
  });
  return r.rows;
}
