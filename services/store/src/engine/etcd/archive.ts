import type { Queryable } from "@guardian/db";
import type { RevisionRecord } from "../types.js";
import { logColumns, toRecord, type LogRow } from "../sql/rows.js";

/** Reads one config's archived revisions below `before`, newest first. */
export async function selectArchivedHistory(
  db: Queryable,
  project: string,
  key: string,
  before: bigint | undefined,
  limit: number,
): Promise<RevisionRecord[]> {
  const r = await db.query<LogRow>(
    `SELECT ${logColumns} FROM revision_archive
      WHERE project = $1 AND key = $2 AND ($3::bigint IS NULL OR revision < $3)
      ORDER BY revision DESC LIMIT $4`,
    [project, key, before?.toString() ?? null, limit],
  );
  return r.rows.map(toRecord);
}

/** Reads one archived revision of one config. */
export async function selectArchivedRevision(
  db: Queryable,
  project: string,
  key: string,
  revision: bigint,
): Promise<RevisionRecord | undefined> {
  const r = await db.query<LogRow>(
    `SELECT ${logColumns} FROM revision_archive WHERE project = $1 AND key = $2 AND revision = $3`,
    [project, key, revision.toString()],
  );
  const row = r.rows[0];
  return row && toRecord(row);
}

/**
 * Reads, for every archived config of a project under a prefix (or exactly `key`), its newest
 * archived revision at or below `revision`.
 */
export async function selectArchivedLatestAt(
  db: Queryable,
  project: string,
  match: { key: string } | { prefix: string },
  revision: bigint,
): Promise<RevisionRecord[]> {
  const exact = "key" in match;
  const r = await db.query<LogRow>(
    `SELECT DISTINCT ON (key) ${logColumns} FROM revision_archive
      WHERE project = $1 AND (CASE WHEN $2 THEN key = $3 ELSE starts_with(key, $3) END)
        AND revision <= $4
      ORDER BY key, revision DESC`,
    [project, exact, exact ? match.key : match.prefix, revision.toString()],
  );
  return r.rows.map(toRecord);
}
