import { createEtcdClient, type EtcdClientOptions } from "@guardian/etcd";
import { bindLeaseOperations } from "../bind.js";
import { createStreamTracker } from "../tracker.js";
import type { ClusterBackend } from "../types.js";
import type { EtcdContext } from "./context.js";
import * as elections from "./elections.js";
import { etcdKeys } from "./keys.js";
import * as locks from "./locks.js";
import * as members from "./members.js";
import * as registry from "./registry.js";
import { defaultWatchCreateMs } from "./watch.js";

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
  const client = createEtcdClient({
    ...connection,
    dialTimeoutMs: connection.dialTimeoutMs ?? 3_000,
  });
  const closing = new AbortController();
  const ctx: EtcdContext = {
    client,
    keys: etcdKeys(prefix ?? "/guardian/cluster/"),
    shutdown: closing.signal,
    watchBufferSize: watchBufferSize ?? 1024,
    watchCreateMs: connection.callTimeoutMs ?? defaultWatchCreateMs,
  };
  const membersCtx: members.MembersContext = {
    client,
    connection,
    statusTimeoutMs: statusTimeoutMs ?? 1_500,
    shutdown: closing.signal,
  };
  const streams = createStreamTracker();

  return {
    engine: "etcd",
    listMembers: () => members.listMembers(membersCtx),
    addMember: (input) => members.addMember(membersCtx, input),
    removeMember: (id, force) => members.removeMember(membersCtx, id, force),
    promoteMember: (id) => members.promoteMember(membersCtx, id),
    moveLeader: (id) => members.moveLeader(membersCtx, id),

    ...bindLeaseOperations(ctx, { ...elections, ...locks, ...registry }, streams),

    async close() {
      closing.abort();
      // Campaigns revoke their leases on the way out; give them a moment to do so.
      await streams.settle(3_000);
      client.close();
    },
  };
}
