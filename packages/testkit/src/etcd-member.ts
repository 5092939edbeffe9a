import { join } from "node:path";
import { describeExit, spawnProcess } from "./process.js";
import type { ManagedProcess } from "./process.js";
import { GiveUpError, waitFor } from "./wait.js";

/** One member of a test etcd cluster. */
export interface EtcdMember {
  /** Member name: `m0`, `m1`, ... */
  readonly name: string;
  /** `http://127.0.0.1:PORT` for clients. */
  readonly clientUrl: string;
  /** `http://127.0.0.1:PORT` for raft traffic between members. */
  readonly peerUrl: string;
  readonly dataDir: string;
  /** File with the member's log output (all runs appended). */
  readonly logFile: string;
  /** True after {@link EtcdMember.kill} (or a crash) until {@link EtcdMember.restart}. */
  readonly stopped: boolean;
  /** Kills the member with SIGKILL, as a crash would, and resolves once it is gone. */
  kill(): Promise<void>;
  /**
   * Starts the member again on the same data directory and ports, and resolves once it
   * answers status requests. It rejoins the cluster on its own.
   */
  restart(): Promise<void>;
  /** Freezes the member with SIGSTOP: it keeps its ports and data but answers nothing. */
  freeze(): void;
  /** Lets a frozen member run again with SIGCONT. */
  thaw(): void;
  /** Asks this member for its raft status over the etcd HTTP gateway. */
  status(): Promise<EtcdMemberStatus>;
  /** Returns the last `lines` lines of the member's log. */
  logTail(lines?: number): string;
}

/** Raft status reported by one etcd member. */
export interface EtcdMemberStatus {
  /** The member's own id (decimal string). */
  readonly memberId: string;
  /** Id of the member this one believes leads; "0" when it knows of no leader. */
  readonly leaderId: string;
  readonly raftTerm: bigint;
  readonly raftIndex: bigint;
  readonly raftAppliedIndex: bigint;
}

/** Everything needed to run one member; built by the cluster. */
export interface EtcdMemberSpec {
  readonly name: string;
  readonly etcdBinary: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly baseDir: string;
  /** `m0=http://...,m1=http://...` */
  readonly initialCluster: string;
  readonly clusterToken: string;
}

/** A started member plus the shutdown hook only its cluster may call. */
export interface EtcdMemberHandle {
  readonly member: EtcdMember;
  /**
   * Stops the member's current process for good. It uses SIGKILL: the data is thrown away,
   * and a SIGTERM'd leader spends seconds handing leadership to members that are stopping too.
   */
  shutdown(): Promise<void>;
}

/**
 * Starts one etcd member process and returns a handle for killing and restarting it.
 *
 * It returns as soon as the process is spawned; the cluster waits for a leader.
 */
export function startEtcdMember(spec: EtcdMemberSpec): EtcdMemberHandle {
  const clientUrl = `http://127.0.0.1:${spec.clientPort}`;
  const peerUrl = `http://127.0.0.1:${spec.peerPort}`;
  const dataDir = join(spec.baseDir, spec.name);
  const logFile = join(spec.baseDir, `${spec.name}.log`);

  const launch = (state: "new" | "existing"): ManagedProcess =>
    spawnProcess({
      name: `etcd ${spec.name}`,
      command: spec.etcdBinary,
      args: memberArgs(spec, { clientUrl, peerUrl, dataDir, state }),
      cwd: spec.baseDir,
      env: etcdEnv(),
      logFile,
    });

  let proc = launch("new");
  let stopped = false;

  const member: EtcdMember = {
    name: spec.name,
    clientUrl,
    peerUrl,
    dataDir,
    logFile,
    get stopped() {
      return stopped || proc.exited;
    },
    async kill() {
      stopped = true;
      proc.kill("SIGKILL");
      await proc.exit;
    },
    async restart() {
      if (!proc.exited) throw new Error(`etcd ${spec.name} is still running; kill() it first`);
      proc = launch("existing");
      stopped = false;
      const current = proc;
      await waitFor(
        async () => {
          if (current.exited) {
            throw new GiveUpError(
              `etcd ${spec.name} exited after restart (${describeExit(await current.exit)}); ` +
                `log ${logFile}:\n${current.logTail()}`,
            );
          }
          return await member.status();
        },
        { what: `etcd ${spec.name} to answer after restart`, timeoutMs: 15_000 },
      );
    },
    freeze: () => proc.kill("SIGSTOP"),
    thaw: () => proc.kill("SIGCONT"),
    status: () => fetchStatus(clientUrl),
    logTail: (lines) => proc.logTail(lines),
  };
  return {
    member,
    shutdown: () => member.kill(),
  };
}

function memberArgs(
  spec: EtcdMemberSpec,
  urls: { clientUrl: string; peerUrl: string; dataDir: string; state: "new" | "existing" },
): string[] {
  const flags: Record<string, string> = {
    name: spec.name,
    "data-dir": urls.dataDir,
    "listen-client-urls": urls.clientUrl,
    "advertise-client-urls": urls.clientUrl,
    "listen-peer-urls": urls.peerUrl,
    "initial-advertise-peer-urls": urls.peerUrl,
    "initial-cluster": spec.initialCluster,
    "initial-cluster-state": urls.state,
    "initial-cluster-token": spec.clusterToken,
    "heartbeat-interval": "50",
    "election-timeout": "500",
    "snapshot-count": "10000",
    logger: "zap",
    "log-outputs": "stderr",
    "log-level": "warn",
  };
  return Object.entries(flags).map(([flag, value]) => `--${flag}=${value}`);
}

function etcdEnv(): NodeJS.ProcessEnv {
  // etcd reads any ETCD_* variable as a flag; an inherited one would change the cluster.
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("ETCD")));
}

async function fetchStatus(clientUrl: string): Promise<EtcdMemberStatus> {
  const response = await fetch(`${clientUrl}/v3/maintenance/status`, {
    method: "POST",
    body: "{}",
    headers: { "content-type": "application/json" },
    signal: AbortSignal.timeout(1_000),
  });
  if (!response.ok) throw new Error(`status from ${clientUrl}: HTTP ${response.status}`);
  const body = (await response.json()) as {
    header?: { member_id?: string };
    leader?: string;
    raftTerm?: string;
    raftIndex?: string;
    raftAppliedIndex?: string;
  };
  const memberId = body.header?.member_id;
  if (memberId === undefined) throw new Error(`status from ${clientUrl} has no member id`);
  return {
    memberId,
    leaderId: body.leader ?? "0",
    raftTerm: BigInt(body.raftTerm ?? "0"),
    raftIndex: BigInt(body.raftIndex ?? "0"),
    raftAppliedIndex: BigInt(body.raftAppliedIndex ?? "0"),
  };
}
