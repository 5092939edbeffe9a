import { ConfigService } from "@guardian/api";
import { messageRoute, type FastRoute, type FastUnaryRoute } from "@guardian/kit";
import type { ServiceImpl } from "@connectrpc/connect";
import type { ReadConfigRequest } from "@guardian/api";
import { readConfigJson, readConfigProto } from "./encode.js";

/**
 * Creates the fast route of `ConfigService/ReadConfig`: kit's server reads the call and runs
 * the same interceptors (metrics, logging, text check, authentication, RBAC, rate limit) as
 * on the Connect route, then the SAME ReadConfig handler runs, and its response is encoded
 * by concatenation from the content's cached bytes instead of through a protobuf message.
 * A Connect GET carries the config version as its ETag.
 */
export function createReadConfigRoute(
  impl: Pick<ServiceImpl<typeof ConfigService>, "readConfig">,
): FastUnaryRoute {
  return {
    method: ConfigService.method.readConfig,
    async serve(message, ctx) {
      const reply = await impl.readConfig(message as ReadConfigRequest, ctx);
      return {
        encode: (binary) => (binary ? readConfigProto(reply) : readConfigJson(reply)),
        ...(reply.etag ? { etag: String(reply.etag) } : {}),
      };
    },
  };
}

/**
 * The fast routes of the config service, for kit's `fastRoutes`, over the instance of the
 * service that the Connect route serves: ReadConfig; UpdateConfig, the write of a config's
 * new content (the same handler, its response encoded as Connect encodes it); and Watch over
 * gRPC (each message written as one frame, with the same watch hub as the Connect route's
 * streams).
 */
export function createConfigFastRoutes(impl: ServiceImpl<typeof ConfigService>): FastRoute[] {
  return [
    createReadConfigRoute(impl),
    messageRoute(ConfigService.method.updateConfig, async (req, ctx) =>
      impl.updateConfig(req, ctx),
    ),
    { method: ConfigService.method.watch, serve: impl.watch.bind(impl) as never },
  ];
}
