import { hostname } from "node:os";
import type pg from "pg";
import { bindLeaseOperations } from "../bind.js";
import { ClusterError } from "../errors.js";
import { createNotifier } from "../notifier.js";
import { createStreamTracker } from "../tracker.js";
import type { ClusterBackend, ClusterMember, MembersView } from "../types.js";
import * as elections from "./elections.js";
import { currentRevision, sweepExpired, type SqlContext } from "./leases.js";
import * as locks from "./locks.js";
import * as registry from "./registry.js";

/** Options for {@link createSqlClusterBackend}. */
export interface SqlClusterBackendOptions {
  /** The pool of the Guardian database (one connection in embedded mode). */
  pool: pg.Pool;
  /** How often streams re-read what other processes or expiry changed. Defaults to 500 ms. */
  pollIntervalMs?: number;
  /** How often expired leases are deleted. Defaults to 1 s. */
  sweepIntervalMs?: number;
  /** Told about a failed sweep (the next one retries). */
  onError?: (err: unknown) => void;
}

const localId = "local";

function oneMemberOnly(): never {
  throw new ClusterError(
    "failed_precondition",
    "embedded mode (the SQL engine) has exactly one member, this process; membership cannot change",
  );
}

async function localMember(pool: pg.Pool): Promise<ClusterMember> {
  const member: ClusterMember = {
    id: localId,
    name: hostname(),
    peerUrls: [],
    clientUrls: [],
    healthy: true,
    isLeader: true,
    isLearner: false,
    raftTerm: 1n,
    raftIndex: 0n,
    appliedIndex: 0n,
    dbSize: 0n,
    dbSizeInUse: 0n,
    version: "",
    error: "",
  };
  try {
    const revision = await currentRevision(pool);
    const { rows } = await pool.query<{ version: string }>(
      "SELECT current_setting('server_version') AS version",
    );
    member.raftIndex = member.appliedIndex = revision;
    member.version = rows[0]?.version ?? "";
    const size = await pool
      .query<{ size: string }>("SELECT pg_database_size(current_database())::text AS size")
      .catch(() => undefined);
    member.dbSize = member.dbSizeInUse = BigInt(size?.rows[0]?.size ?? "0");
  } catch (err) {
    member.healthy = false;
    member.error = err instanceof Error ? err.message : String(err);
  }
  return member;
}

/**
 * Creates the embedded cluster backend over PostgreSQL or PGlite: leases are rows with expiry
 * timestamps checked on every read; elections and locks are row-level transactions (never
 * session advisory locks, which PGlite's single shared connection cannot keep apart). Streams
 * wake up on this process's own changes and poll for everyone else's. A sweeper deletes
 * expired leases every `sweepIntervalMs`.
 */
export function createSqlClusterBackend(opts: SqlClusterBackendOptions): ClusterBackend {
  const closing = new AbortController();
  const ctx: SqlContext = {
    pool: opts.pool,
    notifier: createNotifier(),
    shutdown: closing.signal,
    pollIntervalMs: opts.pollIntervalMs ?? 500,
  };
  const streams = createStreamTracker();
  let sweeping: Promise<void> | undefined;
  const sweeper = setInterval(() => {
    sweeping ??= sweepExpired(ctx.pool)
      .then((n) => {
        if (n > 0) ctx.notifier.notify();
      })
      .catch((err: unknown) => opts.onError?.(err))
      .finally(() => (sweeping = undefined));
  }, opts.sweepIntervalMs ?? 1_000);
  sweeper.unref();

  return {
    engine: "sql",
    async listMembers(): Promise<MembersView> {
      const member = await localMember(ctx.pool);
      return { members: [member], leaderId: localId, raftTerm: 1n, clusterId: localId };
    },
    addMember: async () => oneMemberOnly(),
    removeMember: async () => oneMemberOnly(),
    promoteMember: async () => oneMemberOnly(),
    moveLeader: async () => oneMemberOnly(),

    ...bindLeaseOperations(ctx, { ...elections, ...locks, ...registry }, streams),

    async close() {
      clearInterval(sweeper);
      closing.abort();
      // Campaigns delete their leases on the way out, so others can lead at once.
      await streams.settle(3_000);
      await sweeping;
    },
  };
}
