import type { Queryable } from "@guardian/db";
import { recordColumns as logColumns, toRecord } from "../../archive/sql/rows.js";
import type { RevisionRecord } from "../types.js";
import type { LogRow } from "./rows.js";

/** The NOTIFY channel the SQL engine signals after every committed write. */
export const notifyChannel = "guardian_store";

/**
 * Removes all but the newest `keep` change-log records of each of several configs, in one
 * statement, and returns the removed records.
 */
export async function deleteOldLogMany(
  db: Queryable,
  configs: { project: string; key: string }[],
  keep: number,
): Promise<LogRow[]> {
  if (configs.length === 0) return [];
  const r = await db.query<LogRow>(
    `DELETE FROM store_log WHERE revision IN (
       SELECT revision FROM (
         SELECT revision,
                row_number() OVER (PARTITION BY project, key ORDER BY revision DESC) AS n
           FROM store_log
          WHERE (project, key) IN (SELECT * FROM unnest($1::text[], $2::text[]))) ranked
        WHERE n > $3)
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
