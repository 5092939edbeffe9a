import type { DescMethod } from "@bufbuild/protobuf";
import { createConnectRouter } from "@connectrpc/connect";
import type { ConnectRouter, ContextValues, Interceptor } from "@connectrpc/connect";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import { HealthCheckResponse_ServingStatus as ServingStatus } from "@guardian/api";
import type { Health } from "../health/health.js";
import type { Logger } from "../logging/logger.js";
import type { RequestDecoder } from "../offload/decoder.js";
import { withOffloadedDecode } from "../offload/offload-handler.js";
import { createConnectAdapter } from "./connect-adapter.js";
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
  logger: Logger;
}

/**
 * Creates Connect's handler of every RPC route (Connect, gRPC and gRPC-Web), the Health
 * service included. Each route decodes large documents on the decoding thread
 * (`offload/`) and answers a message it cannot decode with InvalidArgument (naming the
 * field of a JSON message, `json-decode-errors.ts`); a call whose handling fails
 * unexpectedly is still answered (`connect-adapter.ts`). Every service starts out SERVING
 * unless its health was already set.
 */
export function createRpcHandler(
  o: RpcHandlerOptions,
): (req: NodeRequest, res: NodeResponse) => void {
  const offload = { decoder: o.decoder, readMaxBytes: o.readMaxBytes, minBytes: o.offloadMinBytes };
  const router = createConnectRouter({
    readMaxBytes: o.readMaxBytes,
    // Not Connect's shutdownSignal, which every call would listen on: the adapter joins each
    // call's signal to o.signal instead (see abort-fanout.ts).
    interceptors: o.interceptors,
    acceptCompression: [compressionGzip, compressionBrotli],
    connect: true,
    grpc: true,
    grpcWeb: true,
  });
  o.health.routes(router);
  o.routes(router);
  const json = { maxBytes: o.readMaxBytes };
  const handlers = router.handlers.map((handler) =>
    withDecodeErrors(withOffloadedDecode(withJsonDecodeErrors(handler, json), offload)),
  );
  for (const handler of handlers) {
    o.methods.set(handler.requestPath, handler.method);
    if (o.health.check(handler.service.typeName) === undefined) {
      o.health.setStatus(handler.service.typeName, ServingStatus.SERVING);
    }
  }
  return createConnectAdapter({
    handlers,
    signal: o.signal,
    valuesOf: o.valuesOf,
    logger: o.logger,
    readMaxBytes: o.readMaxBytes,
  });
}
