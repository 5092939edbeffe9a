import type { Etcd3 } from "etcd3";
import { call } from "./calls.js";

/** Hands out the lease that idempotency records are written on. */
export interface LeaseSource {
  /** Returns a lease id that lives for at least the retention period from now. */
  get(): Promise<string>;
  /** Forgets `id` (etcd no longer knows it), so the next get() grants a new one. */
  invalidate(id: string): void;
}

/**
 * Creates a lease source for idempotency records. Each lease is granted with `ttlSeconds` and
 * never kept alive; a new one is granted after `renewAfterMs`, so every record lives between
 * ttl - renewAfter and ttl (by default 24 h to 25 h). One lease covers many records, so
 * expiring them costs etcd one lease, not one per write.
 */
export function createLeaseSource(
  client: Etcd3,
  opts: { ttlSeconds?: number; renewAfterMs?: number } = {},
): LeaseSource {
  const ttlSeconds = opts.ttlSeconds ?? 25 * 60 * 60;
  const renewAfterMs = opts.renewAfterMs ?? 60 * 60 * 1000;
  let current: { id: string; grantedAt: number } | undefined;
  let granting: Promise<string> | undefined;

  async function grant(): Promise<string> {
    const res = await call("grant the idempotency lease", () =>
      client.leaseClient.leaseGrant({ TTL: ttlSeconds }),
    );
    current = { id: res.ID, grantedAt: Date.now() };
    return res.ID;
  }

  return {
    async get() {
      if (current && Date.now() - current.grantedAt < renewAfterMs) return current.id;
      granting ??= grant().finally(() => {
        granting = undefined;
      });
      return granting;
    },
    invalidate(id) {
      if (current?.id === id) current = undefined;
    },
  };
}
