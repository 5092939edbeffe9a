import type { Queryable } from "@guardian/db";
import { recordColumns as logColumns, toRecord } from "../../archive/sql/rows.js";
import type { RevisionRecord } from "../types.js";
import type { LogRow } from "./rows.js";

/** The NOTIFY channel the SQL engine signals after every committed write. */
export const notifyChannel = "guardian_store";

/**
 * Moves all but the newest `keep` change-log records of each of several configs to the
 * revision archive and raises the compact revision to the newest record moved, in ONE
 * statement (data-modifying CTEs), so the records never travel to this process and back.
 * Returns how many records moved. Each config's records are walked newest first on the
 * (project, key, revision) index, so the cost follows the records of those configs, not the
 * size of the log. Run it in the transaction that holds the revision lock.
 */
export async function archiveOldLogMany(
  db: Queryable,
  configs: { project: string; key: string }[],
  keep: number,
): Promise<number> {
  if (configs.length === 0) return 0;
  const r = await db.query<{ moved: number }>({
    name: "store_archive_old_log",
    text: `WITH moved AS (
       DELETE FROM store_log WHERE revision IN (
         SELECT beyond.revision FROM unnest($1::text[], $2::text[]) AS c(project, key)
          CROSS JOIN LATERAL (
            SELECT s.revision FROM store_log s
             WHERE s.project = c.project AND s.key = c.key
             ORDER BY s.revision DESC OFFSET $3) beyond)
       RETURNING ${logColumns}
     ), archived AS (
       INSERT INTO revision_archive (${logColumns})
       SELECT ${logColumns} FROM moved
       ON CONFLICT (project, key, revision) DO NOTHING
     ), compacted AS (
       UPDATE store_state SET compact_revision = greatest(compact_revision, m.newest)
         FROM (SELECT max(revision) AS newest FROM moved) m
        WHERE id = 1 AND m.newest IS NOT NULL
     )
     SELECT count(*)::int AS moved FROM moved`,
    values: [configs.map((c) => c.project), configs.map((c) => c.key), keep],
  });
  return r.rows[0]?.moved ?? 0;
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

/**
 * Reads the change log after `after` (exclusive) up to `upTo` (inclusive, or to its end), in
 * revision order, in pages of 500 records.
 */
export async function* scanLog(
  db: Queryable,
  after: bigint,
  upTo?: bigint,
): AsyncGenerator<RevisionRecord[]> {
  let from = after;
  for (;;) {
    const rows = await selectLogAfter(db, from, upTo, 500);
    if (rows.length === 0) return;
    const records = rows.map(toRecord);
    yield records;
    if (rows.length < 500) return;
    from = records[records.length - 1]!.revision;
  }
}
