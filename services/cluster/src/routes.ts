import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter, HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { ClusterService } from "@guardian/api";
import { definePaging, pageSize, principalOf, requestIdKey } from "@guardian/kit";
import { createAuditedRunner, type ClusterAuditSink } from "./audit.js";
import type { ClusterBackend } from "./backend/types.js";
import {
  checkAcquireLockRequest,
  checkAddMemberRequest,
  checkCandidateRequest,
  checkElectionRequest,
  checkInstanceRequest,
  checkLockLeaseRequest,
  checkLockRequest,
  checkMemberId,
  checkRegisterInstanceRequest,
  checkServiceRequest,
  defaultClusterLimits,
  type ClusterLimits,
} from "./check.js";
import {
  engineToProto,
  instanceToProto,
  leaderToProto,
  lockToProto,
  memberToProto,
} from "./convert.js";
import { toClusterConnectError } from "./error-map.js";
import { createStreamHandlers } from "./streams.js";

// ListServices pages continue after service name `a`.
const paging = definePaging({ a: "text" });

/** Dependencies of the cluster service routes. */
export interface ClusterRoutesDeps {
  backend: ClusterBackend;
  /** TTL bounds; defaults to the API's 5 s to 1 h. */
  limits?: Partial<ClusterLimits>;
  /** Receives every membership change (Add/Remove/Promote/MoveLeader) and its outcome. */
  audit?: ClusterAuditSink;
}

/**
 * Creates the ClusterService implementation over a backend. Every handler runs validate →
 * (authorization happens in the RBAC interceptor) → backend call → map the result, and maps
 * every failure through {@link toClusterConnectError}.
 */
export function createClusterService(deps: ClusterRoutesDeps): ServiceImpl<typeof ClusterService> {
  const { backend } = deps;
  const limits: ClusterLimits = { ...defaultClusterLimits, ...deps.limits };
  const fail = (err: unknown, ctx: HandlerContext) =>
    toClusterConnectError(err, ctx.values.get(requestIdKey));

  const membership = createAuditedRunner(deps.audit, fail);

  return {
    async listMembers(_req, ctx) {
      try {
        const view = await backend.listMembers(ctx.signal);
        return {
          members: view.members.map(memberToProto),
          leaderId: view.leaderId,
          raftTerm: view.raftTerm,
          engine: engineToProto(backend.engine),
          clusterId: view.clusterId,
        };
      } catch (err) {
        throw fail(err, ctx);
      }
    },

    async addMember(req, ctx) {
      checkAddMemberRequest(req);
      const input = { peerUrls: [...req.peerUrls], isLearner: req.isLearner, name: req.name };
      const added = await membership(ctx, `members/${req.name}`, input, () =>
        backend.addMember(input),
      );
      return {
        member: memberToProto(added.member),
        members: added.members.map(memberToProto),
        initialCluster: added.initialCluster,
      };
    },

    async removeMember(req, ctx) {
      checkMemberId(req.id);
      const members = await membership(ctx, `members/${req.id}`, { force: req.force }, () =>
        backend.removeMember(req.id, req.force),
      );
      return { members: members.map(memberToProto) };
    },

    async promoteMember(req, ctx) {
      checkMemberId(req.id);
      const member = await membership(ctx, `members/${req.id}`, {}, () =>
        backend.promoteMember(req.id),
      );
      return { member: memberToProto(member) };
    },

    async moveLeader(req, ctx) {
      checkMemberId(req.targetId);
      const leaderId = await membership(ctx, `members/${req.targetId}`, {}, () =>
        backend.moveLeader(req.targetId),
      );
      return { leaderId };
    },

    async proclaim(req, ctx) {
      checkCandidateRequest(req);
      try {
        const leader = await backend.proclaim(req.election, req.leaderKey, req.value);
        return { leader: leaderToProto(leader) };
      } catch (err) {
        throw fail(err, ctx);
      }
    },

    async resign(req, ctx) {
      checkCandidateRequest({ election: req.election, leaderKey: req.leaderKey });
      try {
        await backend.resign(req.election, req.leaderKey);
        return {};
      } catch (err) {
        throw fail(err, ctx);
      }
    },

    async getLeader(req, ctx) {
      checkElectionRequest(req);
      try {
        const state = await backend.getLeader(req.election);
        return { leader: leaderToProto(state.leader), revision: state.revision };
      } catch (err) {
        throw fail(err, ctx);
      }
    },

    async acquireLock(req, ctx) {
      const input = checkAcquireLockRequest(req, limits, principalOf(ctx).name);
      // Never wait past the caller's deadline: answer LockHeld a little before it instead.
      const deadline = ctx.timeoutMs();
      if (deadline !== undefined)
        input.waitMs = Math.max(0, Math.min(input.waitMs, deadline - 250));
      try {
        return { lock: lockToProto(await backend.acquireLock(input, ctx.signal)) };
      } catch (err) {
        throw fail(err, ctx);
      }
    },

    async keepAliveLock(req, ctx) {
      checkLockLeaseRequest(req);
      try {
        const expireTime = await backend.keepAliveLock(req.name, req.leaseId);
        return { expireTime: timestampFromDate(expireTime) };
      } catch (err) {
        throw fail(err, ctx);
      }
    },

    async releaseLock(req, ctx) {
      checkLockLeaseRequest(req);
      try {
        await backend.releaseLock(req.name, req.leaseId);
        return {};
      } catch (err) {
        throw fail(err, ctx);
      }
    },

    async getLock(req, ctx) {
      checkLockRequest(req);
      try {
        const lock = await backend.getLock(req.name);
        return { lock: lock && lockToProto(lock) };
      } catch (err) {
        throw fail(err, ctx);
      }
    },

    async registerInstance(req, ctx) {
      const input = checkRegisterInstanceRequest(req, limits);
      try {
        return { instance: instanceToProto(await backend.registerInstance(input)) };
      } catch (err) {
        throw fail(err, ctx);
      }
    },

    async heartbeat(req, ctx) {
      checkInstanceRequest(req);
      try {
        const expireTime = await backend.heartbeat(req.service, req.instanceId, req.leaseId);
        return { expireTime: timestampFromDate(expireTime) };
      } catch (err) {
        throw fail(err, ctx);
      }
    },

    async deregisterInstance(req, ctx) {
      checkInstanceRequest({ service: req.service, instanceId: req.instanceId });
      try {
        await backend.deregisterInstance(req.service, req.instanceId);
        return {};
      } catch (err) {
        throw fail(err, ctx);
      }
    },

    async listInstances(req, ctx) {
      checkServiceRequest(req);
      try {
        const res = await backend.listInstances(req.service, [...req.tags]);
        return { instances: res.instances.map(instanceToProto), revision: res.revision };
      } catch (err) {
        throw fail(err, ctx);
      }
    },

    async listServices(req, ctx) {
      const limit = pageSize(req.pageSize);
      const page = paging.read(ctx, req);
      try {
        const res = await backend.listServices(page?.a ?? "", limit);
        const last = res.services[res.services.length - 1];
        return {
          services: res.services,
          nextPageToken: paging.next(ctx, req, res.more && last ? { a: last.name } : undefined),
        };
      } catch (err) {
        throw fail(err, ctx);
      }
    },

    ...createStreamHandlers(backend, limits, fail),
  };
}

/** Registers `guardian.cluster.v1.ClusterService` on a router. */
export function createClusterRoutes(deps: ClusterRoutesDeps): (router: ConnectRouter) => void {
  return (router) => {
    router.service(ClusterService, createClusterService(deps));
  };
}
