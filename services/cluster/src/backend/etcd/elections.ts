import type { IKeyValue } from "etcd3";
import { runCampaign, type CandidacyState } from "../campaign-loop.js";
import { ClusterError } from "../errors.js";
import { createNotifier } from "../notifier.js";
import type { CampaignEvent, CampaignInput, LeaderInfo, LeaderState } from "../types.js";
import {
  rangeKeyOp,
  rangePrefixOp,
  readPrefix,
  readTogether,
  type EtcdContext,
} from "./context.js";
import { candidateLease, key } from "./keys.js";
import { grantLease, keepAliveOnce, leaseAlive, revokeLease } from "./leases.js";
import { onChanges, watchPrefix } from "./watch.js";

// An election is the set of keys under its prefix, each held by a candidate's lease. The
// leader is the candidate whose key was created first; its create revision is the fencing
// token, and it grows with every new leader because every candidacy is a new key.

function leaderOf(election: string, kv: IKeyValue | undefined): LeaderInfo | undefined {
  if (!kv) return undefined;
  return {
    election,
    leaderKey: kv.key.toString(),
    value: kv.value.toString(),
    revision: BigInt(kv.create_revision),
  };
}

function notCandidate(election: string): ClusterError {
  return new ClusterError(
    "not_found",
    `leader_key is not a live candidate of election "${election}" (it resigned or its lease expired)`,
  );
}

/** Enters a candidate under a new lease and runs it until it loses or `signal` aborts. */
export async function* campaign(
  ctx: EtcdContext,
  input: CampaignInput,
  signal: AbortSignal,
): AsyncGenerator<CampaignEvent> {
  const { client, keys } = ctx;
  const lease = await grantLease(client, input.ttlMs);
  const leaderKey = keys.candidate(input.election, lease.id);
  const notifier = createNotifier();
  const wake = notifier.subscribe();
  let stopWatch = () => {};
  try {
    const put = await client.kv.put({
      key: key(leaderKey),
      value: Buffer.from(input.value),
      lease: lease.id.toString(),
    });
    stopWatch = await onChanges(
      client,
      keys.election(input.election),
      BigInt(put.header.revision) + 1n,
      () => notifier.notify(),
      ctx.watchCreateMs,
    );
  } catch (err) {
    wake.close();
    await revokeLease(client, lease.id).catch(() => {});
    throw err;
  }
  yield* runCampaign(
    {
      leaderKey,
      leaseId: lease.id,
      ttlMs: input.ttlMs,
      expireTime: lease.expireTime,
      renew: () => keepAliveOnce(client, lease.id),
      check: async (): Promise<CandidacyState> => {
        const { results } = await readTogether(ctx, [
          rangeKeyOp(leaderKey),
          rangePrefixOp(keys.election(input.election), 1),
          rangeKeyOp(keys.resigned(lease.id)),
        ]);
        const [mine, first, resigned] = results;
        const own = mine?.[0];
        if (own) {
          return first?.[0]?.key.toString() === leaderKey
            ? { state: "leader", revision: BigInt(own.create_revision) }
            : { state: "waiting" };
        }
        if (resigned?.[0]) return { state: "lost", reason: "resigned", message: "resigned" };
        return (await leaseAlive(client, lease.id))
          ? { state: "lost", reason: "key_deleted", message: "the candidate's key was deleted" }
          : { state: "lost", reason: "lease_expired", message: "the candidate's lease expired" };
      },
      withdraw: () => revokeLease(client, lease.id),
      wait: (ms, s) => wake.wait(ms, s),
      close: () => {
        stopWatch();
        wake.close();
      },
    },
    signal,
    ctx.shutdown,
  );
}

/** Replaces the value the leader publishes. */
export async function proclaim(
  ctx: EtcdContext,
  election: string,
  leaderKey: string,
  value: string,
): Promise<LeaderInfo> {
  if (candidateLease(ctx.keys.election(election), leaderKey) === undefined) {
    throw notCandidate(election);
  }
  const { results } = await readTogether(ctx, [
    rangeKeyOp(leaderKey),
    rangePrefixOp(ctx.keys.election(election), 1),
  ]);
  const own = results[0]?.[0];
  if (!own) throw notCandidate(election);
  if (results[1]?.[0]?.key.toString() !== leaderKey) {
    throw new ClusterError(
      "failed_precondition",
      `the candidate is not the leader of election "${election}"`,
    );
  }
  // While the key lives it stays first: later candidates always get later revisions.
  const res = await ctx.client.kv.txn({
    compare: [
      {
        key: key(leaderKey),
        target: "Create",
        result: "Equal",
        create_revision: own.create_revision,
      },
    ],
    success: [
      { request_put: { key: key(leaderKey), value: Buffer.from(value), ignore_lease: true } },
    ],
  });
  if (!res.succeeded) throw notCandidate(election);
  return { election, leaderKey, value, revision: BigInt(own.create_revision) };
}

/**
 * Withdraws a candidate from any connection: deletes its key and leaves a marker under its
 * lease, so its Campaign stream reports "resigned" and revokes the lease.
 */
export async function resign(ctx: EtcdContext, election: string, leaderKey: string) {
  const lease = candidateLease(ctx.keys.election(election), leaderKey);
  if (lease === undefined) throw notCandidate(election);
  const res = await ctx.client.kv.txn({
    compare: [{ key: key(leaderKey), target: "Lease", result: "Equal", lease: lease.toString() }],
    success: [
      { request_delete_range: { key: key(leaderKey) } },
      {
        request_put: {
          key: key(ctx.keys.resigned(lease)),
          value: Buffer.from(""),
          lease: lease.toString(),
        },
      },
    ],
  });
  if (!res.succeeded) throw notCandidate(election);
}

/** Returns the current leader of an election, if any. */
export async function getLeader(ctx: EtcdContext, election: string): Promise<LeaderState> {
  const { results, revision } = await readTogether(ctx, [
    rangePrefixOp(ctx.keys.election(election), 1),
  ]);
  return { leader: leaderOf(election, results[0]?.[0]), revision };
}

/** Yields the leader at once, then every change of leader or of its value. */
export async function* observe(
  ctx: EtcdContext,
  election: string,
  signal: AbortSignal,
): AsyncGenerator<LeaderState> {
  const prefix = ctx.keys.election(election);
  const { kvs, revision } = await readPrefix(ctx, prefix);
  const candidates = new Map(kvs.map((kv) => [kv.key.toString(), kv]));
  const first = () => {
    let best: IKeyValue | undefined;
    for (const kv of candidates.values()) {
      if (!best || BigInt(kv.create_revision) < BigInt(best.create_revision)) best = kv;
    }
    return leaderOf(election, best);
  };
  let last = first();
  yield { leader: last, revision };
  const stop = AbortSignal.any([signal, ctx.shutdown]);
  for await (const batch of watchPrefix(ctx.client, prefix, revision + 1n, stop, {
    bufferSize: ctx.watchBufferSize,
    createTimeoutMs: ctx.watchCreateMs,
  })) {
    for (const e of batch.events) {
      if (e.type === "put") candidates.set(e.kv.key.toString(), e.kv);
      else candidates.delete(e.kv.key.toString());
    }
    const now = first();
    if (now?.leaderKey !== last?.leaderKey || now?.value !== last?.value) {
      last = now;
      yield { leader: now, revision: batch.revision };
    }
  }
  if (ctx.shutdown.aborted && !signal.aborted) {
    throw new ClusterError("unavailable", "the server is shutting down; observe again");
  }
}
