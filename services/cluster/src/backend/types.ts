/**
 * The cluster backend contract: what every engine (etcd, SQL) provides to the cluster
 * service. Times are Dates, counters bigints; the routes turn them into protobuf messages.
 */

/** The engine under a backend. */
export type ClusterEngine = "etcd" | "sql";

/** One member of the consensus cluster, as seen now. */
export interface ClusterMember {
  /** Hexadecimal etcd member id, or "local" on the SQL engine. */
  id: string;
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  healthy: boolean;
  isLeader: boolean;
  isLearner: boolean;
  raftTerm: bigint;
  raftIndex: bigint;
  appliedIndex: bigint;
  dbSize: bigint;
  dbSizeInUse: bigint;
  version: string;
  /** Why the member is unhealthy; empty when healthy. */
  error: string;
}

/** The cluster as a whole: members ordered by name, the leader and its term. */
export interface MembersView {
  members: ClusterMember[];
  /** Empty when no member leads (no quorum). */
  leaderId: string;
  raftTerm: bigint;
  clusterId: string;
}

/** The outcome of adding a member. */
export interface AddedMember {
  member: ClusterMember;
  members: ClusterMember[];
  initialCluster: string;
}

/** The leader of an election. `revision` is its fencing token. */
export interface LeaderInfo {
  election: string;
  leaderKey: string;
  value: string;
  revision: bigint;
}

/** The leader of an election (if any) at one store revision. */
export interface LeaderState {
  leader?: LeaderInfo;
  revision: bigint;
}

/** Why a campaign ended. */
export type CampaignLossReason = "resigned" | "lease_expired" | "key_deleted" | "server_shutdown";

/** One step of a campaign, in the order the Campaign stream reports them. */
export type CampaignEvent =
  | { kind: "started"; leaderKey: string; leaseId: bigint; expireTime: Date }
  | { kind: "elected"; leaderKey: string; leaseId: bigint; revision: bigint; expireTime: Date }
  | { kind: "renewed"; expireTime: Date }
  | { kind: "lost"; reason: CampaignLossReason; message: string };

/** What a candidate asks for. */
export interface CampaignInput {
  election: string;
  value: string;
  ttlMs: number;
}

/** A held lock. */
export interface LockInfo {
  name: string;
  lockKey: string;
  owner: string;
  leaseId: bigint;
  fencingToken: bigint;
  acquireTime: Date;
  expireTime: Date;
}

/** What AcquireLock asks for; `waitMs` 0 means fail at once when held. */
export interface AcquireLockInput {
  name: string;
  ttlMs: number;
  waitMs: number;
  owner: string;
}

/** A registered instance of a service. */
export interface InstanceInfo {
  service: string;
  instanceId: string;
  address: string;
  port: number;
  metadata: Record<string, string>;
  tags: string[];
  leaseId: bigint;
  registerTime: Date;
  lastHeartbeatTime: Date;
  expireTime: Date;
}

/** What RegisterInstance asks for. */
export type RegisterInput = Omit<
  InstanceInfo,
  "leaseId" | "registerTime" | "lastHeartbeatTime" | "expireTime"
> & { ttlMs: number };

/** A change to the instances of a service. */
export type InstanceChange = "up" | "down" | "updated";

/** One message of a WatchInstances stream. */
export type InstanceWatchItem =
  | { kind: "snapshot"; instances: InstanceInfo[]; revision: bigint }
  | { kind: "event"; type: InstanceChange; instance: InstanceInfo; revision: bigint };

/** A service with at least one live instance. */
export interface ServiceInfo {
  name: string;
  instanceCount: number;
}

/**
 * The coordination primitives behind ClusterService. Every method throws a ClusterError
 * for an expected failure; anything else is an infrastructure error (cluster or database
 * unreachable) that the service maps in one place.
 */
export interface ClusterBackend {
  readonly engine: ClusterEngine;

  listMembers(signal?: AbortSignal): Promise<MembersView>;
  addMember(input: { peerUrls: string[]; isLearner: boolean; name: string }): Promise<AddedMember>;
  removeMember(id: string, force: boolean): Promise<ClusterMember[]>;
  promoteMember(id: string): Promise<ClusterMember>;
  /** Returns the leader id after the transfer. */
  moveLeader(targetId: string): Promise<string>;

  /** Enters a candidate; the iterable ends after a "lost" event or when `signal` aborts. */
  campaign(input: CampaignInput, signal: AbortSignal): AsyncIterable<CampaignEvent>;
  proclaim(election: string, leaderKey: string, value: string): Promise<LeaderInfo>;
  resign(election: string, leaderKey: string): Promise<void>;
  getLeader(election: string): Promise<LeaderState>;
  /** Yields the current state at once, then every change of leader or value. */
  observe(election: string, signal: AbortSignal): AsyncIterable<LeaderState>;

  acquireLock(input: AcquireLockInput, signal: AbortSignal): Promise<LockInfo>;
  /** Returns the new expiry. */
  keepAliveLock(name: string, leaseId: bigint): Promise<Date>;
  releaseLock(name: string, leaseId: bigint): Promise<void>;
  getLock(name: string): Promise<LockInfo | undefined>;

  registerInstance(input: RegisterInput): Promise<InstanceInfo>;
  /** Returns the new expiry. */
  heartbeat(service: string, instanceId: string, leaseId: bigint): Promise<Date>;
  deregisterInstance(service: string, instanceId: string): Promise<void>;
  /** Live instances carrying every tag in `tags`, ordered by instance id. */
  listInstances(
    service: string,
    tags: string[],
  ): Promise<{ instances: InstanceInfo[]; revision: bigint }>;
  /** Up to `limit` services with live instances, ordered by name, starting after `after`. */
  listServices(after: string, limit: number): Promise<ServiceInfo[]>;
  /** Yields a snapshot at once, then one event per change. */
  watchInstances(
    service: string,
    tags: string[],
    signal: AbortSignal,
  ): AsyncIterable<InstanceWatchItem>;

  /** Ends every campaign (revoking its lease) and stream, and releases resources. */
  close(): Promise<void>;
}
