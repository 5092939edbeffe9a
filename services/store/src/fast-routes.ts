import type { ServiceImpl } from "@connectrpc/connect";
import { StoreService } from "@guardian/api";
import { messageRoute, type FastUnaryRoute } from "@guardian/kit";
import type { StoreServiceDeps } from "./deps.js";
import { createStoreService } from "./routes.js";

/**
 * Creates the fast route of `StoreService/Write`: kit's server reads the call (gRPC over h2
 * from the other Guardian processes, or Connect) and runs the same interceptors as on the
 * Connect route (service-token authentication, RBAC, metrics, the request log), then the
 * SAME write handler, with its errors mapped as on the Connect route. Only the per-call
 * machinery of Connect's generic router is left out.
 */
export function createStoreWriteRoute(
  impl: Pick<ServiceImpl<typeof StoreService>, "write">,
): FastUnaryRoute {
  return messageRoute(StoreService.method.write, async (req, ctx) => impl.write(req, ctx));
}

/**
 * The fast routes of the store service, for kit's `fastRoutes`: Write, over its own instance
 * of the service (the same handlers and engine as the Connect route).
 */
export function createStoreFastRoutes(deps: StoreServiceDeps): FastUnaryRoute[] {
  return [createStoreWriteRoute(createStoreService(deps))];
}
