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

/** A committed config change without its content, as the webhook fan-out reads it. */
export interface ChangeRow {
  revision: string;
  project: string;
  key: string;
  previous_revision: string;
  change_type: string;
  deleted: boolean;
  author: string;
  created_at: Date;
}

/**
 * Reads the changes after revision `after` (exclusive), in revision order, from the SQL
 * engine's change log and the revision archive together, in one statement (one snapshot).
 * Both engines leave every revision there: the SQL engine writes its log and moves old
 * records to the archive in the write's transaction, and with etcd the archiver copies every
 * revision in order. Revisions commit in order on both, so what one snapshot sees after
 * `after` has no holes that a later snapshot could fill.
 */
export async function selectChangesAfter(
  db: Queryable,
  after: bigint,
  limit: number,
): Promise<ChangeRow[]> {
  const columns =
    "revision, project, key, previous_revision, change_type, deleted, author, created_at";
  const r = await db.query<ChangeRow>(
    `SELECT DISTINCT ON (revision) ${columns} FROM (
       (SELECT ${columns} FROM store_log WHERE revision > $1 ORDER BY revision LIMIT $2)
       UNION ALL
       (SELECT ${columns} FROM revision_archive WHERE revision > $1 ORDER BY revision LIMIT $2)
     ) AS changes ORDER BY revision LIMIT $2`,
    [after.toString(), limit],
  );
  return r.rows;
}
