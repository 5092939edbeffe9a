import type { DescMethod } from "@bufbuild/protobuf";
import type { ConnectRouter, ContextValues, Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { HealthCheckResponse_ServingStatus as ServingStatus } from "@guardian/api";
import type { Health } from "../health/health.js";
import type { RequestDecoder } from "../offload/decoder.js";
import { withOffloadedDecode } from "../offload/offload-handler.js";
import { withDecodeErrors } from "./decode-errors.js";
import { withJsonDecodeErrors } from "./json-decode-errors.js";
import type { NodeRequest, NodeResponse } from "./node-http.js";

/** What {@link createRpcHandler} needs from the server. */
export interface RpcHandlerOptions {
  routes: (router: ConnectRouter) => void;
  health: Health;
  /** Filled in with every RPC's method by its request path. */
  methods: Map<string, DescMethod>;
  readMaxBytes: number;
  decoder: RequestDecoder;
  /** Request messages with documents from this many bytes on go to the decoding thread. */
  offloadMinBytes: number;
  /** Aborted when the server stops waiting for calls (the calls' signal). */
  signal: AbortSignal;
  interceptors: Interceptor[];
  valuesOf(req: NodeRequest): ContextValues;
}

/**
 * Creates Connect's handler of every RPC route (Connect, gRPC and gRPC-Web), the Health
 * service included. Each route decodes large documents on the decoding thread
 * (`offload/`) and answers a message it cannot decode with InvalidArgument (naming the
 * field of a JSON message, `json-decode-errors.ts`); every service
 * starts out SERVING unless its health was already set.
 */
export function createRpcHandler(
  o: RpcHandlerOptions,
): (req: NodeRequest, res: NodeResponse) => void {
  const offload = { decoder: o.decoder, readMaxBytes: o.readMaxBytes, minBytes: o.offloadMinBytes };
  return connectNodeAdapter({
    routes(router) {
      o.health.routes(router);
      o.routes(router);
      const json = { maxBytes: o.readMaxBytes };
      router.handlers.forEach(
        (handler, i) =>
          (router.handlers[i] = withDecodeErrors(
            withOffloadedDecode(withJsonDecodeErrors(handler, json), offload),
          )),
      );
      for (const handler of router.handlers) {
        o.methods.set(handler.requestPath, handler.method);
        if (o.health.check(handler.service.typeName) === undefined) {
          o.health.setStatus(handler.service.typeName, ServingStatus.SERVING);
        }
      }
    },
    readMaxBytes: o.readMaxBytes,
    shutdownSignal: o.signal,
    interceptors: o.interceptors,
    contextValues: o.valuesOf,
    connect: true,
    grpc: true,
    grpcWeb: true,
  });
}
