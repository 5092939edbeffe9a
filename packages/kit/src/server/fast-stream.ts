import type { Http2ServerResponse } from "node:http2";
import { create, isMessage, toBinary } from "@bufbuild/protobuf";
import type { DescMessage, DescMethodServerStreaming, MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextKey, createHandlerContext } from "@connectrpc/connect";
import type {
  HandlerContext,
  Interceptor,
  StreamRequest,
  StreamResponse,
} from "@connectrpc/connect";
import { createMethodSerializationLookup } from "@connectrpc/connect/protocol";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { universalRequestFromNodeRequest } from "@connectrpc/connect-node";
import { asDecodeError } from "../errors/decode-failure.js";
import { createAbortFanout } from "../rpc/abort-fanout.js";
import { plainHeaders, readBody } from "./fast-io.js";
import { compressMinBytes, type FastWire } from "./fast-wire.js";
import { responseGone, type NodeRequest, type NodeResponse } from "./node-http.js";

/**
 * A server-streaming RPC the server answers over gRPC without Connect's generic router: the
 * server reads the call, runs the same interceptors as on the Connect route, then
 * {@link FastStreamRoute.serve}, and writes each message as one gRPC frame straight to the
 * HTTP/2 stream. Every other protocol, and gRPC calls it cannot read exactly as Connect
 * would, go to the Connect route.
 */
export interface FastStreamRoute {
  /** The server-streaming method; its path is `/<service>/<method>`. */
  readonly method: DescMethodServerStreaming;
  /**
   * Serves one call that passed the interceptors: the same implementation as the Connect
   * route's, so a message may be a message or its init shape.
   */
  serve(message: never, ctx: HandlerContext): AsyncIterable<unknown>;
}

/** What a stream route needs from the server. */
export interface FastStreamOptions {
  /** The interceptors of the Connect route, in the same order. */
  interceptors: readonly Interceptor[];
  readMaxBytes: number;
  /** Aborted when the server stops waiting for calls (the calls' shutdown signal). */
  signal: AbortSignal;
  valuesOf(req: NodeRequest): StreamRequest["contextValues"];
  headerOf(req: NodeRequest): Headers;
}

/** Builds the server of one stream route; it never throws (failures end the call). */
export function prepareStream(
  route: FastStreamRoute,
  opts: FastStreamOptions,
): (req: NodeRequest, res: NodeResponse, wire: FastWire) => Promise<void> {
  const { method } = route;
  const service = method.parent;
  const serialization = createMethodSerializationLookup(method, undefined, undefined, {
    readMaxBytes: opts.readMaxBytes,
    writeMaxBytes: Number.MAX_SAFE_INTEGER,
  });
  const parse = serialization.getI(true);
  // The calls' one tie to the server's shutdown (see abort-fanout.ts).
  const join = createAbortFanout(opts.signal);
  // The interceptors are chained once; a call finds its handler context in its values.
  const handler = async (r: StreamRequest): Promise<StreamResponse> => {
    const context = r.contextValues.get(contextKey)!;
    const message = await single(r.message);
    const ctx: HandlerContext = {
      ...context,
      service: r.service,
      requestHeader: r.header,
      signal: r.signal,
      values: r.contextValues,
    };
    return {
      stream: true,
      service,
      method,
      header: context.responseHeader,
      trailer: context.responseTrailer,
      message: route.serve(message as never, ctx),
    } as StreamResponse;
  };
  let chain = handler;
  for (const interceptor of [...opts.interceptors].reverse()) {
    chain = interceptor(chain as never) as typeof chain;
  }
  return async (req, res, wire) => {
    // gRPC travels over HTTP/2 only.
    const h2 = res as Http2ServerResponse;
    const contextValues = opts.valuesOf(req);
    // Connect's own request signal: aborted when the client resets or leaves the stream.
    const { signal: requestSignal } = universalRequestFromNodeRequest(
      req,
      res,
      undefined,
      contextValues,
    );
    const context = createHandlerContext({
      service,
      method,
      protocolName: "grpc",
      requestMethod: "POST",
      url: req.url ?? "",
      timeoutMs: undefined,
      // Not Connect's shutdownSignal, which each call would listen on: joined below.
      requestSignal,
      requestHeader: opts.headerOf(req),
      responseHeader: { "content-type": "application/grpc+proto" },
      responseTrailer: { "grpc-status": "0" },
      contextValues,
    });
    if (wire.compression) context.responseHeader.set("grpc-encoding", wire.compression.name);
    contextValues.set(contextKey, context);
    const leave = join(context);
    let messages: AsyncIterator<unknown> | undefined;
    try {
      const response = await chain({
        stream: true,
        service,
        method,
        requestMethod: "POST",
        url: req.url ?? "",
        signal: context.signal,
        header: context.requestHeader,
        contextValues,
        // Read when the interceptors or the handler ask for it, as on the Connect route.
        message: (async function* () {
          yield parse.parse(await readBody(req, wire, opts.readMaxBytes, "server-streaming"));
        })(),
      } as StreamRequest);
      copyHeaders(response.header, context.responseHeader);
      messages = response.message[Symbol.asyncIterator]();
      // Headers go out with the first message, so the handler may still set some before it.
      let next = await messages.next();
      if (!res.headersSent) res.writeHead(200, plainHeaders(context.responseHeader));
      for (; next.done !== true; next = await messages.next()) {
        await send(h2, await frame(method.output, next.value, wire));
      }
      copyHeaders(response.trailer, context.responseTrailer);
      context.abort();
    } catch (err) {
      const e = asDecodeError(err);
      context.abort(e);
      setTrailerStatus(
        context.responseTrailer,
        e instanceof ConnectError
          ? e
          : new ConnectError("internal error", Code.Internal, undefined, undefined, e),
      );
    } finally {
      messages?.return?.().catch(() => {});
      leave();
    }
    if (responseGone(h2)) return;
    if (!res.headersSent) res.writeHead(200, plainHeaders(context.responseHeader));
    res.addTrailers(plainHeaders(context.responseTrailer));
    res.end();
  };
}

type CallContext = ReturnType<typeof createHandlerContext>;

const contextKey = createContextKey<CallContext | undefined>(undefined);

/** The one request message of a server-streaming call, as Connect reads it. */
async function single<T>(messages: AsyncIterable<T>): Promise<T> {
  const it = messages[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done === true) {
    throw new ConnectError(
      "protocol error: missing input message for server-streaming method",
      Code.Unimplemented,
    );
  }
  return first.value;
}

/** One response message in a gRPC frame, compressed from 1 KiB on when the client accepts it. */
async function frame(schema: DescMessage, value: unknown, wire: FastWire): Promise<Buffer> {
  const message = isMessage(value, schema)
    ? value
    : create(schema, value as MessageInitShape<DescMessage>);
  let bytes = toBinary(schema, message);
  const compress = wire.compression !== null && bytes.byteLength >= compressMinBytes;
  if (compress) bytes = await wire.compression!.compress(bytes);
  const out = Buffer.allocUnsafe(5 + bytes.byteLength);
  out[0] = compress ? 1 : 0;
  out.writeUInt32BE(bytes.byteLength, 1);
  out.set(bytes, 5);
  return out;
}

/**
 * Writes one frame; waits while the client reads slowly, fails once the stream is gone (a
 * write to a closed stream writes nothing and would wait for a `drain` that never comes).
 */
function send(res: Http2ServerResponse, chunk: Buffer): Promise<void> {
  const { stream } = res;
  if (responseGone(res)) return Promise.reject(wentAway());
  if (res.write(chunk)) return Promise.resolve();
  if (responseGone(res)) return Promise.reject(wentAway());
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      stream.off("drain", onDrain);
      stream.off("close", onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = (): void => done();
    const onClose = (): void => done(wentAway());
    stream.on("drain", onDrain);
    stream.on("close", onClose);
  });
}

function wentAway(): ConnectError {
  return new ConnectError("the client went away", Code.Canceled);
}

/** Replaces `to`'s entries with `from`'s, as Connect does with a response's headers. */
function copyHeaders(from: Headers, to: Headers): void {
  if (from === to) return;
  for (const name of [...to.keys()]) to.delete(name);
  from.forEach((value, name) => to.set(name, value));
}
