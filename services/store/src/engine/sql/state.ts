import type { Queryable } from "@guardian/db";

/** The SQL engine's counters: the newest revision and the compact revision. */
export interface StoreState {
  revision: bigint;
  compact: bigint;
}

const selectState = "SELECT revision, compact_revision FROM store_state WHERE id = 1";

/**
 * The statement that locks the revision counter for the transaction and reads it with the
 * compact revision; read its result with {@link stateOf}. It has no parameters, so it can be
 * a transaction's opening statement (see withTransaction).
 */
export const lockStateStatement = `${selectState} FOR UPDATE`;

/** The state in the result of {@link lockStateStatement}. */
export function stateOf(r: { rows: unknown[] } | undefined): StoreState {
  const row = r?.rows[0] as { revision: string; compact_revision: string } | undefined;
  if (!row) throw new Error("store_state is missing; run the migrations");
  return { revision: BigInt(row.revision), compact: BigInt(row.compact_revision) };
}

/** Reads the revision counter and compact revision without locking. */
export async function readState(db: Queryable): Promise<StoreState> {
  return stateOf(await db.query(selectState));
}
