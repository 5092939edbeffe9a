import type { ConnectRouter } from "@connectrpc/connect";
import { ClusterService } from "@guardian/api";

/** Dependencies of the cluster service routes. */
export type ClusterRoutesDeps = Record<string, never>;

/**
 * Registers `guardian.cluster.v1.ClusterService` on a router. Methods without a handler answer
 * with the Unimplemented code.
 */
export function createClusterRoutes(
  _deps: ClusterRoutesDeps = {},
): (router: ConnectRouter) => void {
  return (router) => {
    router.service(ClusterService, {});
  };
}
