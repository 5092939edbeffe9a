import type { Queryable } from "@guardian/db";
import { recordColumns as logColumns, toRecord } from "../../archive/sql/rows.js";
import type { RevisionRecord } from "../types.js";
import { valuesOf, type LogRow } from "./rows.js";

/** The NOTIFY channel the SQL engine signals after every committed write. */
export const notifyChannel = "guardian_store";

/** Appends one record to the change log. */
export async function insertLog(db: Queryable, row: LogRow): Promise<void> {
  const { placeholders, values } = valuesOf(logColumns, row);
  await db.query(`INSERT INTO store_log (${logColumns}) VALUES (${placeholders})`, values);
}

/** Signals other store instances (LISTEN on {@link notifyChannel}) that `revision` committed. */
export async function notifyCommitted(db: Queryable, revision: bigint): Promise<void> {
  await db.query("SELECT pg_notify($1, $2)", [notifyChannel, revision.toString()]);
}

/** Removes all but the newest `keep` change-log records of one config and returns them. */
export async function deleteOldLog(
  db: Queryable,
  project: string,
  key: string,
  keep: number,
): Promise<LogRow[]> {
  const r = await db.query<LogRow>(
    `DELETE FROM store_log WHERE revision IN (
       SELECT revision FROM store_log WHERE project = $1 AND key = $2
        ORDER BY revision DESC OFFSET $3)
     RETURNING ${logColumns}`,
    [project, key, keep],
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
