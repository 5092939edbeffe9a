import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import { ClusterService } from "@guardian/api";
import { auditMutations } from "@guardian/authz";
import type { Queryable } from "@guardian/db";
import { mapErrors } from "@guardian/kit";
import type { ClusterBackend } from "./backend/types.js";
import { defaultClusterLimits, type ClusterLimits } from "./check.js";
import { toClusterConnectError } from "./error-map.js";
import { createElectionHandlers } from "./handlers/elections.js";
import { defaultStreamKeepaliveMs } from "./handlers/keepalive.js";
import { createLockHandlers } from "./handlers/locks.js";
import { createMemberHandlers, membershipAudit } from "./handlers/members.js";
import { createRegistryHandlers } from "./handlers/registry.js";

/** Dependencies of the cluster service routes. */
export interface ClusterRoutesDeps {
  backend: ClusterBackend;
  /** The Guardian database, whose audit log records every membership change. */
  pool: Queryable;
  /** TTL bounds; defaults to the API's 5 s to 1 h. */
  limits?: Partial<ClusterLimits>;
  /**
   * How long a Campaign, Observe or WatchInstances stream may stay silent before it sends a
   * keepalive; defaults to {@link defaultStreamKeepaliveMs}. Tests lower it.
   */
  keepaliveMs?: number;
}

/**
 * Creates the ClusterService implementation over a backend. Every handler runs validate →
 * (authorization happens in the RBAC interceptor) → backend call → map the result; every
 * failure goes through the one error table, {@link toClusterConnectError}, and every
 * membership change (Add/Remove/Promote/MoveLeader) is audited with its outcome.
 */
export function createClusterService(deps: ClusterRoutesDeps): ServiceImpl<typeof ClusterService> {
  const { backend } = deps;
  const limits: ClusterLimits = { ...defaultClusterLimits, ...deps.limits };
  const keepaliveMs = deps.keepaliveMs ?? defaultStreamKeepaliveMs;
  const impl: ServiceImpl<typeof ClusterService> = {
    ...createMemberHandlers(backend),
    ...createElectionHandlers(backend, limits, keepaliveMs),
    ...createLockHandlers(backend, limits),
    ...createRegistryHandlers(backend, limits, keepaliveMs),
  };
  const mapped = mapErrors(ClusterService, impl, toClusterConnectError);
  return auditMutations(ClusterService, mapped, deps.pool, membershipAudit);
}

/** Registers `guardian.cluster.v1.ClusterService` on a router. */
export function createClusterRoutes(deps: ClusterRoutesDeps): (router: ConnectRouter) => void {
  return (router) => {
    router.service(ClusterService, createClusterService(deps));
  };
}
