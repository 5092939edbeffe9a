import type { Queryable } from "@guardian/db";

/** Reads the access epoch. */
export async function selectAccessEpoch(db: Queryable): Promise<bigint> {
  const res = await db.query<{ epoch: string }>(
    `SELECT epoch::text AS epoch FROM access_epoch WHERE id`,
  );
  return BigInt(res.rows[0]?.epoch ?? "0");
}
