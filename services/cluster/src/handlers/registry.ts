import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { ClusterService } from "@guardian/api";
import { definePaging, pageSize } from "@guardian/kit";
import type { ClusterBackend } from "../backend/types.js";
import {
  checkInstanceRequest,
  checkRegisterInstanceRequest,
  checkServiceRequest,
  type ClusterLimits,
} from "../check.js";
import { instanceToProto, watchItemToProto } from "../convert.js";
import { keepaliveTick, withKeepalives } from "./keepalive.js";
import { relay, serverDraining } from "./relay.js";

type RegistryMethods = Pick<
  ServiceImpl<typeof ClusterService>,
  | "registerInstance"
  | "heartbeat"
  | "deregisterInstance"
  | "listInstances"
  | "listServices"
  | "watchInstances"
>;

// ListServices pages continue after service name `a`.
const paging = definePaging({ a: "text" });

/**
 * Creates the service registry handlers: register, heartbeat, deregister, list, and watch
 * the instances of a service; list the services. A watch the client cancels ends quietly;
 * one the server drains ends with Unavailable; one without changes for `keepaliveMs` sends
 * a keepalive.
 */
export function createRegistryHandlers(
  backend: ClusterBackend,
  limits: ClusterLimits,
  keepaliveMs: number,
): RegistryMethods {
  return {
    async registerInstance(req) {
      const input = checkRegisterInstanceRequest(req, limits);
      return { instance: instanceToProto(await backend.registerInstance(input)) };
    },

    async heartbeat(req) {
      checkInstanceRequest(req);
      const expireTime = await backend.heartbeat(req.service, req.instanceId, req.leaseId);
      return { expireTime: timestampFromDate(expireTime) };
    },

    async deregisterInstance(req) {
      checkInstanceRequest(req);
      await backend.deregisterInstance(req.service, req.instanceId);
      return {};
    },

    async listInstances(req) {
      checkServiceRequest(req);
      const res = await backend.listInstances(req.service, [...req.tags]);
      return { instances: res.instances.map(instanceToProto), revision: res.revision };
    },

    async listServices(req, ctx) {
      const limit = pageSize(req.pageSize);
      const after = paging.read(ctx, req)?.a ?? "";
      const rows = await backend.listServices(after, limit + 1);
      const page = paging.page(ctx, req, rows, limit, (last) => ({ a: last.name }));
      return { services: page.items, nextPageToken: page.nextPageToken };
    },

    async *watchInstances(req, ctx) {
      checkServiceRequest(req);
      const items = backend.watchInstances(req.service, [...req.tags], ctx.signal);
      for await (const item of relay(ctx, withKeepalives(items, keepaliveMs))) {
        yield item === keepaliveTick
          ? { kind: { case: "keepalive", value: {} } }
          : watchItemToProto(item);
      }
      if (serverDraining(ctx)) throw ctx.signal.reason;
    },
  };
}
