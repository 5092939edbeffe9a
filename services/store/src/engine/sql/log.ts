import type { Queryable } from "@guardian/db";
import { recordColumns as logColumns, toRecord } from "../../archive/sql/rows.js";
import type { RevisionRecord } from "../types.js";
import type { LogRow } from "./rows.js";

/** The NOTIFY channel the SQL engine signals after every committed write. */
export const notifyChannel = "guardian_store";

/**
 * Removes all but the newest `keep` change-log records of each of several configs, in one
 * statement, and returns the removed records. Each config's records are walked newest first
 * on the (project, key, revision) index, so the cost follows the records of those configs,
 * not the size of the log.
 */
export async function deleteOldLogMany(
  db: Queryable,
  configs: { project: string; key: string }[],
  keep: number,
): Promise<LogRow[]> {
  if (configs.length === 0) return [];
  const r = await db.query<LogRow>(
    `DELETE FROM store_log WHERE revision IN (
       SELECT beyond.revision FROM unnest($1::text[], $2::text[]) AS c(project, key)
        CROSS JOIN LATERAL (
          SELECT s.revision FROM store_log s
           WHERE s.project = c.project AND s.key = c.key
           ORDER BY s.revision DESC OFFSET $3) beyond)
     RETURNING ${logColumns}`,
    [configs.map((c) => c.project), configs.map((c) => c.key), keep],
  );
  return r.rows;
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
