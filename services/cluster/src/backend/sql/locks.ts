import { withTransaction, type Queryable } from "@guardian/db";
import { ClusterError } from "../errors.js";
import type { AcquireLockInput, LockInfo } from "../types.js";
import { deleteLease, grantLease, type SqlContext } from "./leases.js";

// A lock is one row per held name, locked FOR UPDATE by whoever tries to take it, and
// deleted with the lease that holds it (released, or swept once expired): names no one holds
// take no room. Every acquisition takes its fencing_token from one sequence shared by every
// lock (migration 0019), so each holder gets a larger token than all earlier ones, whether or
// not the row was deleted in between. A holding whose lease has expired counts as free.

interface LockRow {
  name: string;
  fencing_token: string;
  lease_id: string | null;
  owner: string;
  acquired_at: Date | null;
  expires_at: Date | null;
}

const lockKey = (name: string) => `locks/${name}`;

function toLock(row: LockRow): LockInfo | undefined {
  if (row.lease_id === null || row.expires_at === null || row.acquired_at === null)
    return undefined;
  return {
    name: row.name,
    lockKey: lockKey(row.name),
    owner: row.owner,
    leaseId: BigInt(row.lease_id),
    fencingToken: BigInt(row.fencing_token),
    acquireTime: row.acquired_at,
    expireTime: row.expires_at,
  };
}

function notHeld(name: string, leaseId: bigint): ClusterError {
  return new ClusterError(
    "not_found",
    `lock "${name}" is not held by lease ${leaseId} (it expired or was released)`,
  );
}

async function selectLock(db: Queryable, name: string, forUpdate: boolean) {
  const { rows } = await db.query<LockRow>(
    `SELECT k.name, k.fencing_token, l.id AS lease_id, k.owner, k.acquired_at, l.expires_at
     FROM cluster_locks k LEFT JOIN cluster_leases l ON l.id = k.lease_id AND l.expires_at > now()
     WHERE k.name = $1 ${forUpdate ? "FOR UPDATE OF k" : ""}`,
    [name],
  );
  return rows[0];
}

/** An attempt found no row, and another acquisition created it first: try again. */
class LostRace extends Error {}

const returnedLock = `RETURNING name, fencing_token, lease_id, owner, acquired_at,
  $4::timestamptz AS expires_at`;

/** One attempt in one transaction: the new holding, or the current holder. */
async function tryAcquire(ctx: SqlContext, input: AcquireLockInput) {
  return withTransaction(ctx.pool, async (db) => {
    const current = await selectLock(db, input.name, true);
    const holder = current && toLock(current);
    if (holder) return { holder };
    const lease = await grantLease(db, input.ttlMs);
    const params = [input.name, lease.id.toString(), input.owner, lease.expiresAt];
    // A row held FOR UPDATE stays; without one, a concurrent attempt may insert it first.
    const { rows } = current
      ? await db.query<LockRow>(
          `UPDATE cluster_locks
           SET fencing_token = nextval('cluster_fencing_tokens'), lease_id = $2, owner = $3,
               acquired_at = now()
           WHERE name = $1 ${returnedLock}`,
          params,
        )
      : await db.query<LockRow>(
          `INSERT INTO cluster_locks (name, fencing_token, lease_id, owner, acquired_at)
           VALUES ($1, nextval('cluster_fencing_tokens'), $2, $3, now())
           ON CONFLICT (name) DO NOTHING ${returnedLock}`,
          params,
        );
    // Rolls back, lease included.
    if (!rows[0]) throw new LostRace();
    return { acquired: toLock(rows[0])! };
  });
}

/** Takes a lock, waiting up to `waitMs` (or until `signal` aborts) while someone holds it. */
export async function acquireLock(
  ctx: SqlContext,
  input: AcquireLockInput,
  signal: AbortSignal,
): Promise<LockInfo> {
  const deadline = Date.now() + input.waitMs;
  const wake = ctx.notifier.subscribe();
  try {
    for (;;) {
      const res = await tryAcquire(ctx, input).catch((err: unknown) => {
        if (err instanceof LostRace) return undefined;
        throw err;
      });
      if (!res) continue;
      if (res.acquired) return res.acquired;
      const remaining = deadline - Date.now();
      if (remaining <= 0 || signal.aborted || ctx.shutdown.aborted) {
        const { owner, expireTime } = res.holder!;
        throw new ClusterError(
          "lock_held",
          `lock "${input.name}" is held by "${owner}" until ${expireTime.toISOString()}`,
          { lock: { name: input.name, owner, expireTime } },
        );
      }
      await wake.wait(
        Math.min(remaining, ctx.pollIntervalMs),
        AbortSignal.any([signal, ctx.shutdown]),
      );
    }
  } finally {
    wake.close();
  }
}

/** Renews the lease of a held lock; NotFound when the lease no longer holds it. */
export async function keepAliveLock(ctx: SqlContext, name: string, leaseId: bigint) {
  const { rows } = await ctx.pool.query<{ expires_at: Date }>(
    `UPDATE cluster_leases l SET expires_at = now() + l.ttl_ms * interval '1 millisecond'
     FROM cluster_locks k
     WHERE k.name = $1 AND k.lease_id = $2 AND l.id = k.lease_id AND l.expires_at > now()
     RETURNING l.expires_at`,
    [name, leaseId.toString()],
  );
  if (!rows[0]) throw notHeld(name, leaseId);
  return rows[0].expires_at;
}

/** Releases a held lock and deletes its lease; NotFound when the lease does not hold it. */
export async function releaseLock(ctx: SqlContext, name: string, leaseId: bigint) {
  await withTransaction(ctx.pool, async (db) => {
    const current = await selectLock(db, name, true);
    const holder = current && toLock(current);
    if (!holder || holder.leaseId !== leaseId) throw notHeld(name, leaseId);
    // The lock's row goes with its lease.
    await deleteLease(db, leaseId);
  });
  ctx.notifier.notify();
}

/** Returns the current holding of a lock, if any. */
export async function getLock(ctx: SqlContext, name: string): Promise<LockInfo | undefined> {
  const row = await selectLock(ctx.pool, name, false);
  return row && toLock(row);
}
