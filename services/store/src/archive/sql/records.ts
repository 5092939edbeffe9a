import type { Queryable } from "@guardian/db";
import type { KeyMatch } from "../types.js";
import { recordColumns, type RecordRow } from "./rows.js";

/**
 * A table of revision records: the SQL engine's change log or the revision archive. Both have
 * the columns of {@link RecordRow} and a key on (project, key, revision).
 */
export type RecordTable = "store_log" | "revision_archive";

/** Reads one config's records below `before` (all when absent), newest first. */
export async function selectRecordHistory(
  db: Queryable,
  table: RecordTable,
  project: string,
  key: string,
  before: bigint | undefined,
  limit: number,
): Promise<RecordRow[]> {
  const r = await db.query<RecordRow>(
    `SELECT ${recordColumns} FROM ${table}
      WHERE project = $1 AND key = $2 AND ($3::bigint IS NULL OR revision < $3)
      ORDER BY revision DESC LIMIT $4`,
    [project, key, before?.toString() ?? null, limit],
  );
  return r.rows;
}

/** Reads one record of one config. */
export async function selectRecord(
  db: Queryable,
  table: RecordTable,
  project: string,
  key: string,
  revision: bigint,
): Promise<RecordRow | undefined> {
  const r = await db.query<RecordRow>(
    `SELECT ${recordColumns} FROM ${table} WHERE project = $1 AND key = $2 AND revision = $3`,
    [project, key, revision.toString()],
  );
  return r.rows[0];
}

/** Reads records by revision number. */
export async function selectRecordsByRevision(
  db: Queryable,
  table: RecordTable,
  revisions: bigint[],
): Promise<RecordRow[]> {
  if (revisions.length === 0) return [];
  const r = await db.query<RecordRow>(
    `SELECT ${recordColumns} FROM ${table} WHERE revision = ANY ($1::bigint[])`,
    [revisions.map(String)],
  );
  return r.rows;
}

/**
 * Reads, for every config of a project under a prefix (or exactly `key`) with a record at or
 * below `revision`, its newest such record.
 */
export async function selectLatestRecordsAt(
  db: Queryable,
  table: RecordTable,
  project: string,
  match: KeyMatch,
  revision: bigint,
): Promise<RecordRow[]> {
  const exact = "key" in match;
  const r = await db.query<RecordRow>(
    `SELECT DISTINCT ON (key) ${recordColumns} FROM ${table}
      WHERE project = $1 AND (CASE WHEN $2 THEN key = $3 ELSE starts_with(key, $3) END)
        AND revision <= $4
      ORDER BY key, revision DESC`,
    [project, exact, exact ? match.key : match.prefix, revision.toString()],
  );
  return r.rows;
}
