import { createEtcdClient, type EtcdClientOptions } from "@guardian/etcd";
import { createBackoff, sleep } from "@guardian/kit";
import type { Etcd3, IMember, IStatusResponse } from "etcd3";
import { ClusterError } from "../errors.js";
import type { AddedMember, ClusterMember, MembersView } from "../types.js";

/** How the members module reaches the cluster and each member. */
export interface MembersContext {
  client: Etcd3;
  /** The connection of the main client; member clients reuse its credentials and TLS. */
  connection: EtcdClientOptions;
  statusTimeoutMs: number;
  /** Aborted when the backend closes. */
  shutdown: AbortSignal;
}

// etcd's status response has fields the etcd3 typings leave out.
type Status = IStatusResponse & { errors?: string[]; dbSizeInUse?: string };

const hex = (decimal: string) => BigInt(decimal).toString(16);
const decimal = (hexId: string) => BigInt(`0x${hexId}`).toString();

/**
 * Runs `fn` with a short-lived client of `endpoints`. etcd refuses membership changes with gRPC
 * UNAVAILABLE ("unhealthy cluster"), which the etcd3 client counts against a host's circuit
 * breaker; a client of its own keeps such refusals from cutting off the backend's client.
 */
async function withMemberClient<T>(
  ctx: MembersContext,
  endpoints: string[],
  fn: (c: Etcd3) => Promise<T>,
): Promise<T> {
  const c = createEtcdClient({ ...ctx.connection, endpoints, dialTimeoutMs: ctx.statusTimeoutMs });
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

async function statusOf(ctx: MembersContext, m: IMember): Promise<Status | Error> {
  const url = m.clientURLs[0];
  if (!url) return new Error("not started");
  return withMemberClient(ctx, [url], (c) =>
    c.maintenance.status({ deadline: Date.now() + ctx.statusTimeoutMs }),
  ).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
}

function toMember(m: IMember, s: Status | Error | undefined, leaderId: string): ClusterMember {
  const ok = s !== undefined && !(s instanceof Error);
  const alarms = ok ? (s.errors ?? []) : [];
  return {
    id: hex(m.ID),
    name: m.name,
    peerUrls: m.peerURLs,
    clientUrls: m.clientURLs,
    healthy: ok && alarms.length === 0,
    isLeader: hex(m.ID) === leaderId,
    isLearner: m.isLearner,
    raftTerm: ok ? BigInt(s.raftTerm) : 0n,
    raftIndex: ok ? BigInt(s.raftIndex) : 0n,
    appliedIndex: ok ? BigInt(s.raftAppliedIndex) : 0n,
    dbSize: ok ? BigInt(s.dbSize) : 0n,
    dbSizeInUse: ok ? BigInt(s.dbSizeInUse ?? "0") : 0n,
    version: ok ? s.version : "",
    error: s instanceof Error ? s.message : alarms.map((a) => `alarm: ${a}`).join("; "),
  };
}

/** Lists the members with the status each reports now; an unreachable one is unhealthy. */
export async function listMembers(ctx: MembersContext): Promise<MembersView> {
  // Linearizable from etcd 3.5 on; 3.4 ignores the flag and answers from the member asked.
  const list = await ctx.client.cluster.memberList({ linearizable: true });
  const statuses = await Promise.all(list.members.map((m) => statusOf(ctx, m)));
  // The leader as reported in the newest term; a stale member may still name an old one.
  let leaderId = "";
  let raftTerm = 0n;
  for (const s of statuses) {
    if (s instanceof Error || s.leader === "0") continue;
    if (BigInt(s.raftTerm) >= raftTerm) {
      raftTerm = BigInt(s.raftTerm);
      leaderId = hex(s.leader);
    }
  }
  const members = list.members
    .map((m, i) => toMember(m, statuses[i], leaderId))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { members, leaderId, raftTerm, clusterId: hex(list.header.cluster_id) };
}

/**
 * Finds a member for a change. A member that answers the list may not have applied the
 * latest membership change yet (etcd 3.4 lists are not linearizable), so a missing id is
 * looked up a few more times before it counts as unknown.
 */
async function findMember(ctx: MembersContext, id: string): Promise<[MembersView, ClusterMember]> {
  const backoff = createBackoff({ initialMs: 400, maxMs: 800 });
  for (let attempt = 0; ; attempt++) {
    const view = await listMembers(ctx);
    const m = view.members.find((x) => x.id === id);
    if (m) return [view, m];
    if (attempt === 2) throw new ClusterError("not_found", `no cluster member has id ${id}`);
    await sleep(backoff.next(), ctx.shutdown);
  }
}

/** Turns etcd's membership refusals into ClusterErrors; other errors pass through. */
function memberError(err: unknown): unknown {
  // grpc-js prefixes the code ("14 UNAVAILABLE: "); the rest is etcd's own sentence.
  const text = (err instanceof Error ? err.message : String(err)).replace(/^\d+ [A-Z_]+: /, "");
  if (/member not found|member id not found/i.test(text)) {
    return new ClusterError("not_found", "no such cluster member", {}, { cause: err });
  }
  if (/peer ?urls? (already )?exists/i.test(text)) {
    return new ClusterError(
      "already_exists",
      "a member already has that peer URL",
      {},
      { cause: err },
    );
  }
  if (/in sync with leader|not enough started members|unhealthy|learner|not leader/i.test(text)) {
    return new ClusterError(
      "failed_precondition",
      `the cluster refused the change (${text}); a member that started or reconnected in the last few seconds does not count yet, so retry shortly`,
      {},
      { cause: err },
    );
  }
  return err;
}

/** Announces a new member and returns the initial_cluster it must start with. */
export async function addMember(
  ctx: MembersContext,
  input: { peerUrls: string[]; isLearner: boolean; name: string },
): Promise<AddedMember> {
  const view = await listMembers(ctx);
  const sick = view.members.filter((m) => !m.healthy);
  if (sick.length > 0) {
    const which = sick.map((m) => `${m.name || m.id} (${m.error})`).join(", ");
    throw new ClusterError("failed_precondition", `the cluster is unhealthy: ${which}`);
  }
  const learner = view.members.find((m) => m.isLearner);
  if (learner) {
    throw new ClusterError(
      "failed_precondition",
      `learner ${learner.name || learner.id} is pending; promote or remove it first`,
    );
  }
  const clash = view.members.find((m) => m.peerUrls.some((u) => input.peerUrls.includes(u)));
  if (clash) {
    throw new ClusterError("already_exists", `member ${clash.name || clash.id} has that peer URL`);
  }
  const res = await withMemberClient(ctx, ctx.connection.endpoints, (c) =>
    c.cluster.memberAdd({ peerURLs: input.peerUrls, isLearner: input.isLearner }),
  ).catch((err: unknown) => Promise.reject(memberError(err)));
  const known = new Map(view.members.map((m) => [m.id, m]));
  const pending = new Error("not started");
  const members = res.members.map(
    (m) => known.get(hex(m.ID)) ?? toMember(m, pending, view.leaderId),
  );
  const named = [
    ...view.members.filter((m) => m.name !== ""),
    { name: input.name, peerUrls: input.peerUrls },
  ];
  return {
    member: toMember(res.member, pending, view.leaderId),
    members,
    initialCluster: named.flatMap((m) => m.peerUrls.map((u) => `${m.name}=${u}`)).join(","),
  };
}

/**
 * Removes a member. Without `force` it refuses to remove the last member, or one whose
 * removal would leave fewer healthy voting members than a majority of those that remain.
 */
export async function removeMember(
  ctx: MembersContext,
  id: string,
  force: boolean,
): Promise<ClusterMember[]> {
  const [view, target] = await findMember(ctx, id);
  if (!force) {
    if (view.members.length === 1) {
      throw new ClusterError(
        "failed_precondition",
        `member ${id} is the last member of the cluster`,
      );
    }
    const voters = view.members.filter((m) => !m.isLearner && m.id !== id);
    const healthy = voters.filter((m) => m.healthy).length;
    const quorum = Math.floor(voters.length / 2) + 1;
    if (healthy < quorum) {
      throw new ClusterError(
        "failed_precondition",
        `removing member ${target.name || id} would leave ${healthy} healthy of ${voters.length} voting members, below the quorum of ${quorum}; repair or remove the unhealthy members first, or pass force`,
      );
    }
  }
  const res = await withMemberClient(ctx, ctx.connection.endpoints, (c) =>
    c.cluster.memberRemove({ ID: decimal(id) }),
  ).catch((err: unknown) => Promise.reject(memberError(err)));
  const known = new Map(view.members.map((m) => [m.id, m]));
  return res.members.flatMap((m) => known.get(hex(m.ID)) ?? []);
}

/** Turns a caught-up learner into a voting member. */
export async function promoteMember(ctx: MembersContext, id: string): Promise<ClusterMember> {
  const [, target] = await findMember(ctx, id);
  if (!target.isLearner) {
    throw new ClusterError("failed_precondition", `member ${target.name || id} is not a learner`);
  }
  await withMemberClient(ctx, ctx.connection.endpoints, (c) =>
    c.cluster.memberPromote({ ID: decimal(id) }),
  ).catch((err: unknown) => {
    const mapped = memberError(err);
    return Promise.reject(
      mapped instanceof ClusterError && mapped.kind === "failed_precondition"
        ? new ClusterError(
            "failed_precondition",
            `learner ${target.name || id} has not caught up with the leader yet; retry later`,
            {},
            { cause: err },
          )
        : mapped,
    );
  });
  return (await findMember(ctx, id))[1];
}

/** Transfers Raft leadership to a healthy voting member; returns the leader afterwards. */
export async function moveLeader(ctx: MembersContext, targetId: string): Promise<string> {
  const [view, target] = await findMember(ctx, targetId);
  if (target.isLearner || !target.healthy) {
    throw new ClusterError(
      "failed_precondition",
      `member ${target.name || targetId} is ${target.isLearner ? "a learner" : "unhealthy"}; leadership can only move to a healthy voting member`,
    );
  }
  if (view.leaderId === targetId) return targetId;
  const leader = view.members.find((m) => m.id === view.leaderId);
  const url = leader?.clientUrls[0];
  if (!url) throw new ClusterError("unavailable", "the cluster has no reachable leader");
  // Only the current leader can hand its leadership over.
  await withMemberClient(ctx, [url], (c) =>
    c.maintenance.moveLeader({ targetID: decimal(targetId) }),
  ).catch((err: unknown) => Promise.reject(memberError(err)));
  return targetId;
}
