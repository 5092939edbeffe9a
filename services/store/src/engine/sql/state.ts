import type { Queryable } from "@guardian/db";

/** The SQL engine's counters: the newest revision and the compact revision. */
export interface StoreState {
  revision: bigint;
  compact: bigint;
}

async function selectState(db: Queryable, lock: string): Promise<StoreState> {
  const r = await db.query<{ revision: string; compact_revision: string }>(
    `SELECT revision, compact_revision FROM store_state WHERE id = 1${lock}`,
  );
  const row = r.rows[0];
  if (!row) throw new Error("store_state is missing; run the migrations");
  return { revision: BigInt(row.revision), compact: BigInt(row.compact_revision) };
}

/** Locks the revision counter for this transaction and returns it with the compact revision. */
export function lockState(db: Queryable): Promise<StoreState> {
  return selectState(db, " FOR UPDATE");
}

/** Reads the revision counter and compact revision without locking. */
export function readState(db: Queryable): Promise<StoreState> {
  return selectState(db, "");
}

/** Raises the compact revision to at least `revision`. */
export async function raiseCompactRevision(db: Queryable, revision: bigint): Promise<void> {
  await db.query(
    "UPDATE store_state SET compact_revision = greatest(compact_revision, $1) WHERE id = 1",
    [revision.toString()],
  );
}
