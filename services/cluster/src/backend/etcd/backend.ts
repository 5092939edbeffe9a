import { createEtcdClient, type EtcdClientOptions } from "@guardian/etcd";
import { createStreamTracker } from "../tracker.js";
import type { ClusterBackend } from "../types.js";
import type { EtcdContext } from "./context.js";
import * as elections from "./elections.js";
import { etcdKeys } from "./keys.js";
import * as locks from "./locks.js";
import * as members from "./members.js";
import * as registry from "./registry.js";

/** Options for {@link createEtcdClusterBackend}: the connection, and the backend's own. */
export interface EtcdClusterBackendOptions extends EtcdClientOptions {
  /** Prefix of every key the backend writes. Defaults to "/guardian/cluster/". */
  prefix?: string;
  /** How long ListMembers waits for each member's status. Defaults to 1.5 s. */
  statusTimeoutMs?: number;
  /** Changes a watching stream may fall behind before it is cut off. Defaults to 1024. */
  watchBufferSize?: number;
}

/**
 * Creates the production cluster backend over etcd: members are etcd members; elections,
 * locks and instances are keys held by etcd leases, so they vanish when their holder stops
 * renewing. One etcd3 client serves every call and multiplexes every watch.
 */
export function createEtcdClusterBackend(opts: EtcdClusterBackendOptions): ClusterBackend {
  const { prefix, statusTimeoutMs, watchBufferSize, ...connection } = opts;
  const client = createEtcdClient({ dialTimeoutMs: 3_000, ...connection });
  const closing = new AbortController();
  const ctx: EtcdContext = {
    client,
    keys: etcdKeys(prefix ?? "/guardian/cluster/"),
    shutdown: closing.signal,
    watchBufferSize: watchBufferSize ?? 1024,
  };
  const membersCtx: members.MembersContext = {
    client,
    connection,
    statusTimeoutMs: statusTimeoutMs ?? 1_500,
  };
  const streams = createStreamTracker();
  const tracked = streams.track;

  return {
    engine: "etcd",
    listMembers: () => members.listMembers(membersCtx),
    addMember: (input) => members.addMember(membersCtx, input),
    removeMember: (id, force) => members.removeMember(membersCtx, id, force),
    promoteMember: (id) => members.promoteMember(membersCtx, id),
    moveLeader: (id) => members.moveLeader(membersCtx, id),

    campaign: (input, signal) => tracked(elections.campaign(ctx, input, signal)),
    proclaim: (election, leaderKey, value) => elections.proclaim(ctx, election, leaderKey, value),
    resign: (election, leaderKey) => elections.resign(ctx, election, leaderKey),
    getLeader: (election) => elections.getLeader(ctx, election),
    observe: (election, signal) => tracked(elections.observe(ctx, election, signal)),

    acquireLock: (input, signal) => locks.acquireLock(ctx, input, signal),
    keepAliveLock: (name, leaseId) => locks.keepAliveLock(ctx, name, leaseId),
    releaseLock: (name, leaseId) => locks.releaseLock(ctx, name, leaseId),
    getLock: (name) => locks.getLock(ctx, name),

    registerInstance: (input) => registry.registerInstance(ctx, input),
    heartbeat: (service, id, leaseId) => registry.heartbeat(ctx, service, id, leaseId),
    deregisterInstance: (service, id) => registry.deregisterInstance(ctx, service, id),
    listInstances: (service, tags) => registry.listInstances(ctx, service, tags),
    listServices: (after, limit) => registry.listServices(ctx, after, limit),
    watchInstances: (service, tags, signal) =>
      tracked(registry.watchInstances(ctx, service, tags, signal)),

    async close() {
      closing.abort();
      // Campaigns revoke their leases on the way out; give them a moment to do so.
      await streams.settle(3_000);
      client.close();
    },
  };
}
