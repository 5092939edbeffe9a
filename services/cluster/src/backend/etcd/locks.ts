import type { IKeyValue } from "etcd3";
import { ClusterError } from "../errors.js";
import { createNotifier } from "../notifier.js";
import type { AcquireLockInput, LockInfo } from "../types.js";
import type { EtcdContext } from "./context.js";
import { key, parseValue } from "./keys.js";
import { grantLease, keepAliveOnce, revokeLease } from "./leases.js";
import { onChanges } from "./watch.js";

// A lock is one key held by the holder's lease. Each acquisition creates the key anew, so its
// create revision (etcd's global revision) is larger than that of every earlier holding: it
// is the fencing token.

interface LockValue {
  owner: string;
  acquireTime: string;
  expireTime: string;
}

function lockInfo(name: string, kv: IKeyValue): LockInfo | undefined {
  const v = parseValue<LockValue>(kv);
  if (!v) return undefined;
  return {
    name,
    lockKey: kv.key.toString(),
    owner: v.owner,
    leaseId: BigInt(kv.lease),
    fencingToken: BigInt(kv.create_revision),
    acquireTime: new Date(v.acquireTime),
    expireTime: new Date(v.expireTime),
  };
}

function lockHeld(name: string, holder: LockInfo | undefined): ClusterError {
  const owner = holder?.owner ?? "";
  return new ClusterError(
    "lock_held",
    `lock "${name}" is held by "${owner}" until ${holder?.expireTime.toISOString() ?? "its lease expires"}`,
    { lock: { name, owner, expireTime: holder?.expireTime ?? new Date(0) } },
  );
}

function notHeld(name: string, leaseId: bigint): ClusterError {
  return new ClusterError(
    "not_found",
    `lock "${name}" is not held by lease ${leaseId} (it expired or was released)`,
  );
}

/** Takes a lock, waiting up to `waitMs` (or until `signal` aborts) while someone holds it. */
export async function acquireLock(
  ctx: EtcdContext,
  input: AcquireLockInput,
  signal: AbortSignal,
): Promise<LockInfo> {
  const { client } = ctx;
  const lockKey = key(ctx.keys.lock(input.name));
  const deadline = Date.now() + input.waitMs;
  for (;;) {
    const lease = await grantLease(client, input.ttlMs);
    const acquireTime = new Date();
    const value: LockValue = {
      owner: input.owner,
      acquireTime: acquireTime.toISOString(),
      expireTime: lease.expireTime.toISOString(),
    };
    const res = await client.kv
      .txn({
        compare: [{ key: lockKey, target: "Create", result: "Equal", create_revision: 0 }],
        success: [
          {
            request_put: {
              key: lockKey,
              value: Buffer.from(JSON.stringify(value)),
              lease: lease.id.toString(),
            },
          },
        ],
        failure: [{ request_range: { key: lockKey } }],
      })
      .catch(async (err: unknown) => {
        await revokeLease(client, lease.id).catch(() => {});
        throw err;
      });
    if (res.succeeded) {
      return {
        name: input.name,
        lockKey: lockKey.toString(),
        owner: input.owner,
        leaseId: lease.id,
        fencingToken: BigInt(res.header.revision),
        acquireTime,
        expireTime: lease.expireTime,
      };
    }
    await revokeLease(client, lease.id).catch(() => {});
    const holderKv = res.responses[0]?.response_range.kvs[0];
    const holder = holderKv && lockInfo(input.name, holderKv);
    const remaining = deadline - Date.now();
    if (remaining <= 0 || signal.aborted) throw lockHeld(input.name, holder);
    await waitForChange(
      ctx,
      lockKey.toString(),
      BigInt(res.header.revision) + 1n,
      remaining,
      signal,
    );
  }
}

async function waitForChange(
  ctx: EtcdContext,
  k: string,
  fromRevision: bigint,
  ms: number,
  signal: AbortSignal,
): Promise<void> {
  const notifier = createNotifier();
  const wake = notifier.subscribe();
  const stop = await onChanges(
    ctx.client,
    k,
    fromRevision,
    () => notifier.notify(),
    ctx.watchCreateMs,
  );
  try {
    await wake.wait(ms, AbortSignal.any([signal, ctx.shutdown]));
  } finally {
    stop();
    wake.close();
  }
}

/** Renews the lease of a held lock; NotFound when the lease no longer holds it. */
export async function keepAliveLock(
  ctx: EtcdContext,
  name: string,
  leaseId: bigint,
): Promise<Date> {
  const { client } = ctx;
  const lockKey = key(ctx.keys.lock(name));
  const renewed = await keepAliveOnce(client, leaseId);
  if (renewed === "gone") throw notHeld(name, leaseId);
  const res = await client.kv.txn({
    compare: [{ key: lockKey, target: "Lease", result: "Equal", lease: leaseId.toString() }],
    success: [{ request_range: { key: lockKey } }],
  });
  const kv = res.responses[0]?.response_range.kvs[0];
  const held = res.succeeded && kv ? parseValue<LockValue>(kv) : undefined;
  if (!held) throw notHeld(name, leaseId);
  const value: LockValue = { ...held, expireTime: renewed.toISOString() };
  await client.kv.txn({
    compare: [{ key: lockKey, target: "Lease", result: "Equal", lease: leaseId.toString() }],
    success: [
      {
        request_put: {
          key: lockKey,
          value: Buffer.from(JSON.stringify(value)),
          ignore_lease: true,
        },
      },
    ],
  });
  return renewed;
}

/** Releases a held lock and revokes its lease; NotFound when the lease does not hold it. */
export async function releaseLock(ctx: EtcdContext, name: string, leaseId: bigint) {
  const lockKey = key(ctx.keys.lock(name));
  const res = await ctx.client.kv.txn({
    compare: [{ key: lockKey, target: "Lease", result: "Equal", lease: leaseId.toString() }],
    success: [{ request_delete_range: { key: lockKey } }],
  });
  if (!res.succeeded) throw notHeld(name, leaseId);
  await revokeLease(ctx.client, leaseId).catch(() => {
    // The key is gone; an orphaned lease only expires later.
  });
}

/** Returns the current holding of a lock, if any. */
export async function getLock(ctx: EtcdContext, name: string): Promise<LockInfo | undefined> {
  const res = await ctx.client.kv.range({ key: key(ctx.keys.lock(name)) });
  const kv = res.kvs[0];
  return kv && lockInfo(name, kv);
}
