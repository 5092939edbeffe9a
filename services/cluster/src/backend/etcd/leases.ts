import { isLeaseNotFound } from "@guardian/etcd";
import { castGrpcError, type Etcd3 } from "etcd3";

/** A granted lease. */
export interface GrantedLease {
  id: bigint;
  expireTime: Date;
}

/** etcd lease TTLs are whole seconds; a shorter TTL rounds up. */
function ttlSeconds(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs / 1000));
}

/** Grants a lease of `ttlMs` (rounded up to whole seconds). */
export async function grantLease(client: Etcd3, ttlMs: number): Promise<GrantedLease> {
  const started = Date.now();
  const res = await client.leaseClient.leaseGrant({ TTL: ttlSeconds(ttlMs) });
  return { id: BigInt(res.ID), expireTime: new Date(started + Number(res.TTL) * 1000) };
}

/**
 * Renews a lease once: the new expiry (counted from when the request was sent, so it is never
 * later than etcd's), or "gone" when etcd no longer knows the lease.
 */
export async function keepAliveOnce(
  client: Etcd3,
  id: bigint,
  timeoutMs = 2_000,
): Promise<Date | "gone"> {
  const started = Date.now();
  const stream = await client.leaseClient.leaseKeepAlive({ deadline: started + timeoutMs });
  try {
    return await new Promise<Date | "gone">((resolve, reject) => {
      stream.on("data", (res) => {
        const ttl = Number(res.TTL);
        resolve(ttl > 0 ? new Date(started + ttl * 1000) : "gone");
      });
      stream.on("error", (err) => reject(castGrpcError(err)));
      stream.on("end", () => reject(new Error("lease keep-alive stream ended without a reply")));
      stream.write({ ID: id.toString() });
    });
  } finally {
    stream.end();
  }
}

/** Revokes a lease, deleting every key attached to it; a lease already gone is fine. */
export async function revokeLease(client: Etcd3, id: bigint): Promise<void> {
  try {
    await client.leaseClient.leaseRevoke({ ID: id.toString() });
  } catch (err) {
    if (!isLeaseNotFound(err)) throw err;
  }
}

/** Tells whether a lease is still alive. */
export async function leaseAlive(client: Etcd3, id: bigint): Promise<boolean> {
  const res = await client.leaseClient.leaseTimeToLive({ ID: id.toString() });
  return Number(res.TTL) > 0;
}
