import type pg from "pg";
import type { Queryable } from "@guardian/db";
import type { Notifier } from "../notifier.js";

/** What every part of the SQL backend shares. */
export interface SqlContext {
  pool: pg.Pool;
  /** In-process wake-ups after every change this process commits. */
  notifier: Notifier;
  /** Aborted when the backend closes. */
  shutdown: AbortSignal;
  /** How often streams re-read state changed by other processes (or by expiry). */
  pollIntervalMs: number;
}

/** A lease row: its id and expiry. */
export interface LeaseRow {
  id: bigint;
  expiresAt: Date;
}

/** Bumps the cluster revision (serializing on its row) and returns the new one. */
export async function bumpRevision(db: Queryable): Promise<bigint> {
  const { rows } = await db.query<{ revision: string }>(
    "UPDATE cluster_state SET revision = revision + 1 WHERE id = 1 RETURNING revision",
  );
  return BigInt(rows[0]!.revision);
}

/** Returns the current cluster revision. */
export async function currentRevision(db: Queryable): Promise<bigint> {
  const { rows } = await db.query<{ revision: string }>(
    "SELECT revision FROM cluster_state WHERE id = 1",
  );
  return BigInt(rows[0]!.revision);
}

/** Grants a lease that expires `ttlMs` from now (database time). */
export async function grantLease(db: Queryable, ttlMs: number): Promise<LeaseRow> {
  const { rows } = await db.query<{ id: string; expires_at: Date }>(
    `INSERT INTO cluster_leases (ttl_ms, expires_at)
     VALUES ($1::integer, now() + $1::integer * interval '1 millisecond')
     RETURNING id, expires_at`,
    [ttlMs],
  );
  const row = rows[0]!;
  return { id: BigInt(row.id), expiresAt: row.expires_at };
}

/** Extends a live lease by its TTL; undefined when it has expired or is gone. */
export async function renewLease(db: Queryable, id: bigint): Promise<Date | undefined> {
  const { rows } = await db.query<{ expires_at: Date }>(
    `UPDATE cluster_leases SET expires_at = now() + ttl_ms * interval '1 millisecond'
     WHERE id = $1 AND expires_at > now()
     RETURNING expires_at`,
    [id.toString()],
  );
  return rows[0]?.expires_at;
}

/** Tells whether a lease exists and has not expired. */
export async function leaseAlive(db: Queryable, id: bigint): Promise<boolean> {
  const { rows } = await db.query(
    "SELECT 1 FROM cluster_leases WHERE id = $1 AND expires_at > now()",
    [id.toString()],
  );
  return rows.length > 0;
}

/**
 * Deletes a lease and what it holds (its candidates, instances and lock), and
 * bumps the revision when it existed. Returns whether it existed.
 */
export async function deleteLease(db: Queryable, id: bigint): Promise<boolean> {
  const { rows } = await db.query<{ deleted: boolean }>(
    `WITH gone AS (DELETE FROM cluster_leases WHERE id = $1 RETURNING id),
          bumped AS (UPDATE cluster_state SET revision = revision + 1
                     WHERE id = 1 AND EXISTS (SELECT 1 FROM gone) RETURNING revision)
     SELECT EXISTS (SELECT 1 FROM bumped) AS deleted`,
    [id.toString()],
  );
  return rows[0]?.deleted ?? false;
}

/** Deletes every expired lease (and what it held); returns how many went. */
export async function sweepExpired(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `WITH gone AS (DELETE FROM cluster_leases WHERE expires_at <= now() RETURNING id),
          bumped AS (UPDATE cluster_state SET revision = revision + 1
                     WHERE id = 1 AND EXISTS (SELECT 1 FROM gone) RETURNING revision)
     SELECT (SELECT count(*) FROM gone)::int AS n`,
  );
  return rows[0]?.n ?? 0;
}
