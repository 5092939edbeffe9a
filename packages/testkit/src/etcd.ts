import { randomBytes } from "node:crypto";
import { Etcd3 } from "etcd3";
import { startEtcdMember } from "./etcd-member.js";
import type { EtcdMember, EtcdMemberHandle, EtcdMemberStatus } from "./etcd-member.js";
import { freePorts } from "./ports.js";
import { requireSystemBinaries } from "./system-packages.js";
import { makeTempDir, removeTempDir } from "./temp-dir.js";
import { GiveUpError, waitFor } from "./wait.js";

/** Options for {@link startEtcdCluster}. */
export interface StartEtcdClusterOptions {
  /** Number of members. Defaults to 3. */
  readonly size?: number;
  /** How long to wait for a leader and a committed write. Defaults to 30 s. */
  readonly startTimeoutMs?: number;
}

/** A throwaway etcd cluster on loopback, started by {@link startEtcdCluster}. */
export interface EtcdCluster {
  /** Client URLs of all members (`http://127.0.0.1:PORT`), in member order. */
  readonly endpoints: string[];
  readonly members: EtcdMember[];
  /**
   * Returns the running member that currently reports itself as leader, or throws when none
   * does (for example during an election).
   */
  leader(): Promise<EtcdMember>;
  /**
   * Waits until every running member agrees on one running leader, and returns it.
   *
   * After a leader is killed this returns its successor, never the dead member.
   */
  waitForLeader(opts?: { timeoutMs?: number }): Promise<EtcdMember>;
  /** Stops every member and deletes the data directories. */
  stop(): Promise<void>;
}

/**
 * Starts an etcd cluster of `size` members (default 3) on random loopback ports.
 *
 * Members use short raft timers (50 ms heartbeat, 500 ms election timeout) so failover
 * takes about a second. It resolves once a leader is elected and a write commits.
 */
export async function startEtcdCluster(opts: StartEtcdClusterOptions = {}): Promise<EtcdCluster> {
  const size = opts.size ?? 3;
  if (!Number.isInteger(size) || size < 1) throw new Error(`invalid etcd cluster size ${size}`);
  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  // A port picked by freePorts() can be taken by someone else before etcd binds it.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchCluster(size, timeoutMs);
    } catch (error) {
      const portTaken =
        error instanceof GiveUpError && /address already in use/i.test(error.message);
      if (!portTaken || attempt >= 3) throw error;
    }
  }
}

async function launchCluster(size: number, timeoutMs: number): Promise<EtcdCluster> {
  const bins = requireSystemBinaries();
  const baseDir = await makeTempDir("etcd");
  const handles: EtcdMemberHandle[] = [];

  const stopAll = async (): Promise<void> => {
    await Promise.all(handles.map((handle) => handle.shutdown()));
    await removeTempDir(baseDir);
  };

  try {
    const ports = await freePorts(size * 2);
    const names = Array.from({ length: size }, (_, i) => `m${i}`);
    const peerPort = (i: number): number => ports[size + i] as number;
    const initialCluster = names
      .map((name, i) => `${name}=http://127.0.0.1:${peerPort(i)}`)
      .join(",");
    const clusterToken = `guardian-test-${randomBytes(6).toString("hex")}`;
    names.forEach((name, i) => {
      handles.push(
        startEtcdMember({
          name,
          etcdBinary: bins.etcd,
          clientPort: ports[i] as number,
          peerPort: peerPort(i),
          baseDir,
          initialCluster,
          clusterToken,
        }),
      );
    });
    const members = handles.map((handle) => handle.member);
    let stopped: Promise<void> | undefined;
    const cluster: EtcdCluster = {
      endpoints: members.map((member) => member.clientUrl),
      members,
      leader: () => findLeader(members),
      waitForLeader: ({ timeoutMs = 15_000 } = {}) =>
        waitFor(() => agreedLeader(members), {
          what: "the etcd cluster to agree on a leader",
          timeoutMs,
          details: () => logTails(members),
        }),
      stop() {
        stopped ??= stopAll();
        return stopped;
      },
    };
    await waitFor(
      async () => {
        const crashed = members.find((member) => member.stopped);
        if (crashed !== undefined) {
          throw new GiveUpError(
            `etcd ${crashed.name} exited during startup; log ${crashed.logFile}:\n${crashed.logTail()}`,
          );
        }
        return agreedLeader(members);
      },
      {
        what: "the new etcd cluster to elect a leader",
        timeoutMs,
        details: () => logTails(members),
      },
    );
    await waitForCommittedWrite(cluster.endpoints, timeoutMs, () => logTails(members));
    return cluster;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Starts a single-member etcd "cluster" on a random loopback port.
 *
 * Same as `startEtcdCluster({ size: 1 })`.
 */
export function startEtcd(opts: Omit<StartEtcdClusterOptions, "size"> = {}): Promise<EtcdCluster> {
  return startEtcdCluster({ ...opts, size: 1 });
}

interface ReportedStatus {
  readonly member: EtcdMember;
  readonly status: EtcdMemberStatus;
}

async function runningStatuses(members: readonly EtcdMember[]): Promise<ReportedStatus[]> {
  const running = members.filter((member) => !member.stopped);
  return Promise.all(running.map(async (member) => ({ member, status: await member.status() })));
}

async function findLeader(members: readonly EtcdMember[]): Promise<EtcdMember> {
  const settled = await Promise.allSettled(
    members
      .filter((member) => !member.stopped)
      .map(async (member) => ({ member, status: await member.status() })),
  );
  const leaders = settled
    .flatMap((result) => (result.status === "fulfilled" ? [result.value] : []))
    .filter(({ status }) => status.memberId === status.leaderId)
    .sort((a, b) => Number(b.status.raftTerm - a.status.raftTerm));
  const leader = leaders[0];
  if (leader === undefined) throw new Error("no running etcd member reports itself as leader");
  return leader.member;
}

/** Returns the leader when all running members name the same running leader. */
async function agreedLeader(members: readonly EtcdMember[]): Promise<EtcdMember | undefined> {
  const reported = await runningStatuses(members);
  const leaderIds = new Set(reported.map(({ status }) => status.leaderId));
  const [leaderId] = leaderIds;
  if (leaderIds.size !== 1 || leaderId === undefined || leaderId === "0") return undefined;
  return reported.find(({ status }) => status.memberId === leaderId)?.member;
}

/**
 * Waits until a write goes through raft. The transaction's compare can never hold, so it
 * commits without changing any key or the revision, and tests start from an empty store.
 */
async function waitForCommittedWrite(
  endpoints: string[],
  timeoutMs: number,
  details: () => string,
): Promise<void> {
  const client = new Etcd3({ hosts: endpoints, dialTimeout: 2_000 });
  try {
    await waitFor(
      async () => {
        const probe = "__testkit/ready";
        await client
          .if(probe, "Version", "<", 0)
          .then(client.put(probe).value("never written"))
          .options({ deadline: Date.now() + 2_000 })
          .commit();
        return true;
      },
      { what: "the etcd cluster to commit a write", timeoutMs, details },
    );
  } finally {
    client.close();
  }
}

function logTails(members: readonly EtcdMember[]): string {
  return members.map((member) => `log ${member.logFile}:\n${member.logTail(15)}`).join("\n");
}
