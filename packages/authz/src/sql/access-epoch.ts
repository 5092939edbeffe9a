import type { Queryable } from "@guardian/db";

/** The channel on which every move of the access epoch is announced (payload: the epoch). */
export const accessChannel = "guardian_access";

/** Reads the access epoch. */
export async function selectAccessEpoch(db: Queryable): Promise<bigint> {
  const res = await db.query<{ epoch: string }>(
    `SELECT epoch::text AS epoch FROM access_epoch WHERE id`,
  );
  return BigInt(res.rows[0]?.epoch ?? "0");
}

/** Subscribes the connection to {@link accessChannel}. */
export async function listenForAccessChanges(db: Queryable): Promise<void> {
  await db.query(`LISTEN ${accessChannel}`);
}
