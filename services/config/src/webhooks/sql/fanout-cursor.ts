import type { Queryable } from "@guardian/db";

/**
 * Locks the fan-out cursor row for the caller's transaction and reads it: every revision at
 * or below it has been fanned out. A second fan-out waits here and then reads the cursor the
 * first one committed.
 */
export async function lockFanoutCursor(db: Queryable): Promise<bigint> {
  const r = await db.query<{ revision: string }>(
    `SELECT revision FROM webhook_fanout_cursor WHERE id = 1 FOR UPDATE`,
  );
  return BigInt(r.rows[0]?.revision ?? 0);
}

/** Moves the fan-out cursor (in the transaction that holds its lock). */
export async function advanceFanoutCursor(db: Queryable, revision: bigint): Promise<void> {
  await db.query(`UPDATE webhook_fanout_cursor SET revision = $1 WHERE id = 1`, [
    revision.toString(),
  ]);
}
