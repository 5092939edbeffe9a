import { withTransaction, type Queryable } from "@guardian/db";
import { runCampaign, type CandidacyState } from "../campaign-loop.js";
import { ClusterError } from "../errors.js";
import type { CampaignEvent, CampaignInput, LeaderInfo, LeaderState } from "../types.js";
import {
  bumpRevision,
  deleteLease,
  grantLease,
  leaseAlive,
  renewLease,
  type SqlContext,
} from "./leases.js";
import { rereads } from "./rereads.js";

// A candidate is a row held by its lease; the leader is the live, not resigned candidate with
// the lowest create_revision, which is also its fencing token.

const keyPrefix = (election: string) => `elections/${election}#`;

function leaseOfKey(election: string, leaderKey: string): bigint | undefined {
  const prefix = keyPrefix(election);
  if (!leaderKey.startsWith(prefix)) return undefined;
  const id = leaderKey.slice(prefix.length);
  if (!/^[1-9][0-9]{0,18}$/.test(id)) return undefined;
  // Lease ids are bigint: a larger number names no lease (and PostgreSQL would refuse it).
  const lease = BigInt(id);
  return lease <= maxLeaseId ? lease : undefined;
}

const maxLeaseId = 2n ** 63n - 1n;

function notCandidate(election: string): ClusterError {
  return new ClusterError(
    "not_found",
    `leader_key is not a live candidate of election "${election}" (it resigned or its lease expired)`,
  );
}

const leaderSql = `
  SELECT c.lease_id, c.value, c.create_revision
  FROM cluster_elections c JOIN cluster_leases l ON l.id = c.lease_id AND l.expires_at > now()
  WHERE c.election = $1 AND NOT c.resigned
  ORDER BY c.create_revision LIMIT 1`;

async function readLeader(db: Queryable, election: string): Promise<LeaderState> {
  const { rows } = await db.query<{
    lease_id: string | null;
    value: string | null;
    create_revision: string | null;
    revision: string;
  }>(
    `SELECT s.revision, x.* FROM cluster_state s LEFT JOIN (${leaderSql}) x ON true WHERE s.id = 1`,
    [election],
  );
  const row = rows[0]!;
  const leader: LeaderInfo | undefined =
    row.lease_id === null
      ? undefined
      : {
          election,
          leaderKey: `${keyPrefix(election)}${row.lease_id}`,
          value: row.value ?? "",
          revision: BigInt(row.create_revision!),
        };
  return { leader, revision: BigInt(row.revision) };
}

async function checkCandidate(
  db: Queryable,
  election: string,
  leaseId: bigint,
): Promise<CandidacyState> {
  const { rows } = await db.query<{
    resigned: boolean;
    create_revision: string;
    leader_revision: string | null;
  }>(
    `SELECT c.resigned, c.create_revision, (SELECT create_revision FROM (${leaderSql}) x) AS leader_revision
     FROM cluster_elections c JOIN cluster_leases l ON l.id = c.lease_id AND l.expires_at > now()
     WHERE c.election = $1 AND c.lease_id = $2`,
    [election, leaseId.toString()],
  );
  const row = rows[0];
  if (!row) {
    return (await leaseAlive(db, leaseId))
      ? { state: "lost", reason: "key_deleted", message: "the candidate's row was deleted" }
      : { state: "lost", reason: "lease_expired", message: "the candidate's lease expired" };
  }
  if (row.resigned) return { state: "lost", reason: "resigned", message: "resigned" };
  return row.leader_revision === row.create_revision
    ? { state: "leader", revision: BigInt(row.create_revision) }
    : { state: "waiting" };
}

/** Enters a candidate under a new lease and runs it until it loses or `signal` aborts. */
export async function* campaign(
  ctx: SqlContext,
  input: CampaignInput,
  signal: AbortSignal,
): AsyncGenerator<CampaignEvent> {
  const { pool, notifier } = ctx;
  const lease = await withTransaction(pool, async (db) => {
    const revision = await bumpRevision(db);
    const granted = await grantLease(db, input.ttlMs);
    await db.query(
      `INSERT INTO cluster_elections (election, lease_id, value, create_revision)
       VALUES ($1, $2, $3, $4)`,
      [input.election, granted.id.toString(), input.value, revision.toString()],
    );
    return granted;
  });
  notifier.notify();
  const wake = notifier.subscribe();
  yield* runCampaign(
    {
      leaderKey: `${keyPrefix(input.election)}${lease.id}`,
      leaseId: lease.id,
      ttlMs: input.ttlMs,
      expireTime: lease.expiresAt,
      renew: async () => (await renewLease(pool, lease.id)) ?? "gone",
      check: () => checkCandidate(pool, input.election, lease.id),
      withdraw: async () => {
        if (await deleteLease(pool, lease.id)) notifier.notify();
      },
      wait: (ms, s) => wake.wait(Math.min(ms, ctx.pollIntervalMs), s),
      close: () => wake.close(),
    },
    signal,
    ctx.shutdown,
  );
}

/** Replaces the value the leader publishes. */
export async function proclaim(
  ctx: SqlContext,
  election: string,
  leaderKey: string,
  value: string,
): Promise<LeaderInfo> {
  const leaseId = leaseOfKey(election, leaderKey);
  if (leaseId === undefined) throw notCandidate(election);
  const leader = await withTransaction(ctx.pool, async (db) => {
    // Every change to elections bumps the revision first, so this serializes them.
    await bumpRevision(db);
    const state = await checkCandidate(db, election, leaseId);
    if (state.state === "lost") throw notCandidate(election);
    if (state.state === "waiting") {
      throw new ClusterError(
        "failed_precondition",
        `the candidate is not the leader of election "${election}"`,
      );
    }
    await db.query(
      "UPDATE cluster_elections SET value = $3 WHERE election = $1 AND lease_id = $2",
      [election, leaseId.toString(), value],
    );
    return { election, leaderKey, value, revision: state.revision };
  });
  ctx.notifier.notify();
  return leader;
}

/** Marks a candidate resigned; its Campaign stream reports it and removes the row. */
export async function resign(ctx: SqlContext, election: string, leaderKey: string) {
  const leaseId = leaseOfKey(election, leaderKey);
  if (leaseId === undefined) throw notCandidate(election);
  await withTransaction(ctx.pool, async (db) => {
    const { rowCount } = await db.query(
      `UPDATE cluster_elections c SET resigned = true
       FROM cluster_leases l
       WHERE c.election = $1 AND c.lease_id = $2 AND NOT c.resigned
         AND l.id = c.lease_id AND l.expires_at > now()`,
      [election, leaseId.toString()],
    );
    if (!rowCount) throw notCandidate(election);
    await bumpRevision(db);
  });
  ctx.notifier.notify();
}

/** Returns the current leader of an election, if any. */
export function getLeader(ctx: SqlContext, election: string): Promise<LeaderState> {
  return readLeader(ctx.pool, election);
}

/** Yields the leader at once, then every change of leader or value it sees when re-reading. */
export async function* observe(
  ctx: SqlContext,
  election: string,
  signal: AbortSignal,
): AsyncGenerator<LeaderState> {
  let last: LeaderState | undefined;
  for await (const now of rereads(
    ctx,
    signal,
    () => readLeader(ctx.pool, election),
    "observe again",
  )) {
    if (
      !last ||
      now.leader?.leaderKey !== last.leader?.leaderKey ||
      now.leader?.value !== last.leader?.value
    ) {
      yield now;
    }
    last = now;
  }
}
