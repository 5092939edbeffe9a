import { create, toBinary, toJsonString } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { StoreService, WriteResponseSchema, type WriteRequest } from "@guardian/api";
import type { FastUnaryRoute } from "@guardian/kit";
import type { StoreServiceDeps } from "./deps.js";
import { createStoreService } from "./routes.js";

const textEncoder = new TextEncoder();

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
  return {
    method: StoreService.method.write,
    async serve(message, ctx) {
      const res = create(WriteResponseSchema, await impl.write(message as WriteRequest, ctx));
      return {
        encode: (binary) =>
          binary
            ? toBinary(WriteResponseSchema, res)
            : textEncoder.encode(toJsonString(WriteResponseSchema, res)),
      };
    },
  };
}

/**
 * The fast routes of the store service, for kit's `fastRoutes`: Write, over its own instance
 * of the service (the same handlers and engine as the Connect route).
 */
export function createStoreFastRoutes(deps: StoreServiceDeps): FastUnaryRoute[] {
  return [createStoreWriteRoute(createStoreService(deps))];
}
