import type { StreamTracker } from "./tracker.js";
import type { ClusterBackend } from "./types.js";

/** The backend operations that work on leases: elections, locks and the service registry. */
export type LeaseOperations = Omit<
  ClusterBackend,
  "engine" | "listMembers" | "addMember" | "removeMember" | "promoteMember" | "moveLeader" | "close"
>;

/** The same operations as an engine's module functions, which take its context first. */
export type LeaseFunctions<C> = {
  [K in keyof LeaseOperations]: LeaseOperations[K] extends (...args: infer A) => infer R
    ? (ctx: C, ...args: A) => R
    : never;
};

/**
 * Binds an engine's lease functions to its context, so that both engines expose them the
 * same way; every stream is tracked, so that closing the backend can wait for it to clean up.
 */
export function bindLeaseOperations<C>(
  ctx: C,
  fns: LeaseFunctions<C>,
  streams: StreamTracker,
): LeaseOperations {
  return {
    campaign: (input, signal) => streams.track(fns.campaign(ctx, input, signal)),
    proclaim: (election, leaderKey, value) => fns.proclaim(ctx, election, leaderKey, value),
    resign: (election, leaderKey) => fns.resign(ctx, election, leaderKey),
    getLeader: (election) => fns.getLeader(ctx, election),
    observe: (election, signal) => streams.track(fns.observe(ctx, election, signal)),

    acquireLock: (input, signal) => fns.acquireLock(ctx, input, signal),
    keepAliveLock: (name, leaseId) => fns.keepAliveLock(ctx, name, leaseId),
    releaseLock: (name, leaseId) => fns.releaseLock(ctx, name, leaseId),
    getLock: (name) => fns.getLock(ctx, name),

    registerInstance: (input) => fns.registerInstance(ctx, input),
    heartbeat: (service, id, leaseId) => fns.heartbeat(ctx, service, id, leaseId),
    deregisterInstance: (service, id) => fns.deregisterInstance(ctx, service, id),
    listInstances: (service, tags) => fns.listInstances(ctx, service, tags),
    listServices: (after, limit) => fns.listServices(ctx, after, limit),
    watchInstances: (service, tags, signal) =>
      streams.track(fns.watchInstances(ctx, service, tags, signal)),
  };
}
