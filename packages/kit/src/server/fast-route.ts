import type { DescMethod, DescMethodUnary, DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextKey } from "@connectrpc/connect";
import type {
  ContextValues,
  HandlerContext,
  Interceptor,
  UnaryRequest,
  UnaryResponse,
} from "@connectrpc/connect";
import { createMethodSerializationLookup } from "@connectrpc/connect/protocol";
import { create } from "@bufbuild/protobuf";
import { asDecodeError } from "../errors/decode-failure.js";
import type { NodeRequest, NodeResponse } from "./node-http.js";
import { classifyFastWire, type FastWire } from "./fast-wire.js";
import { readBody, readQueryMessage, writeFastError, writeFastReply } from "./fast-io.js";
import { jsonDecodeError } from "./json-decode-errors.js";
import { createFastJsonReader } from "./fast-json.js";
import { prepareStream, type FastStreamRoute } from "./fast-stream.js";

/** A response a fast route produced, encoded on demand in the codec the call uses. */
export interface EncodedReply {
  /** The response message in wire form: proto (`binary`) or JSON. */
  encode(binary: boolean): Uint8Array;
  /**
   * An entity tag for the response; a Connect GET then answers with an `ETag` header, and
   * with 304 Not Modified when the request's `If-None-Match` names the same tag.
   */
  readonly etag?: string;
}

/**
 * A unary RPC the server answers without Connect's generic router: the server reads the
 * call in its own protocol (Connect POST or GET, gRPC over h2), runs the same interceptors
 * as on the Connect route, then {@link FastUnaryRoute.serve}, and writes the reply. Calls it
 * cannot read exactly as Connect would (gRPC-Web, compressed requests, deadlines, other
 * content types) go to the Connect route, so behaviour never differs.
 */
export interface FastUnaryRoute {
  /** The unary method; its path is `/<service>/<method>`. */
  readonly method: DescMethod;
  /** Answers one call that passed the interceptors (throw a ConnectError to fail it). */
  serve(message: UnaryRequest["message"], ctx: HandlerContext): Promise<EncodedReply>;
}

/** A unary or server-streaming RPC with a fast route. */
export type FastRoute = FastUnaryRoute | FastStreamRoute;

/** What {@link createFastRoutes} needs from the server. */
export interface FastRoutesOptions {
  routes: readonly FastRoute[];
  /** The interceptors of the Connect route, in the same order. */
  interceptors: readonly Interceptor[];
  readMaxBytes: number;
  /** Aborted when the server stops waiting for calls (the calls' signal). */
  signal: AbortSignal;
  /** The context values of a call, as the Connect route makes them. */
  valuesOf(req: NodeRequest): ContextValues;
  /** The request headers as a Headers object (the admission check may have built it). */
  headerOf(req: NodeRequest): Headers;
}

/**
 * Builds the dispatcher of the fast routes (unary ones here, streams in `fast-stream.ts`):
 * returns true when it took the call, false when the path has no fast route or the call is
 * not one it serves exactly (the Connect route then serves it).
 */
export function createFastRoutes(
  opts: FastRoutesOptions,
): (req: NodeRequest, res: NodeResponse, path: string) => boolean {
  const table = new Map(
    opts.routes.map((r) => [
      `/${r.method.parent.typeName}/${r.method.name}`,
      r.method.methodKind === "server_streaming"
        ? { method: r.method, grpcOnly: true, serve: prepareStream(r as FastStreamRoute, opts) }
        : { method: r.method, grpcOnly: false, serve: prepare(r as FastUnaryRoute, opts) },
    ]),
  );
  return (req, res, path) => {
    if (table.size === 0) return false;
    const route = table.get(path);
    if (route === undefined) return false;
    const wire = classifyFastWire(req, req.url ?? "", route.method);
    // A stream is served over gRPC only; Connect streams and gRPC-Web go to Connect.
    if (wire === undefined || (route.grpcOnly && wire.protocol !== "grpc")) return false;
    // A reply that cannot be written (the client went away mid-write) ends the exchange.
    route.serve(req, res, wire).catch((err: unknown) => res.destroy(err as Error));
    return true;
  };
}

type Prepared = (req: NodeRequest, res: NodeResponse, wire: FastWire) => Promise<void>;

interface Served {
  reply: EncodedReply;
  ctx: FastHandlerContext;
}

const replyKey = createContextKey<Served | undefined>(undefined);

function prepare(route: FastUnaryRoute, opts: FastRoutesOptions): Prepared {
  const method = route.method as DescMethodUnary;
  const service: DescService = method.parent;
  const serialization = createMethodSerializationLookup(method, undefined, undefined, {
    readMaxBytes: opts.readMaxBytes,
    writeMaxBytes: Number.MAX_SAFE_INTEGER,
  });
  const parse = serialization.getI.bind(serialization);
  // Plain JSON requests skip protobuf-es's general reader; anything else still goes through it.
  const readJson = createFastJsonReader(method.input);
  const messageOf = (bytes: Uint8Array, binary: boolean): UnaryRequest["message"] => {
    if (binary) return parse(true).parse(bytes);
    const read = bytes.byteLength <= opts.readMaxBytes && readJson?.(bytes);
    if (read) return read;
    try {
      return parse(false).parse(bytes);
    } catch (err) {
      // As the Connect route answers it: naming the field, when one is to blame.
      const undecodable = err instanceof ConnectError && err.code === Code.InvalidArgument;
      throw (undecodable && jsonDecodeError(method.input, bytes)) || err;
    }
  };
  // Interceptors see a response message; the reply travels beside it, already encoded, in
  // the call's context values (which every copy of the request shares).
  const placeholder = create(method.output);
  const handler = async (req: UnaryRequest): Promise<UnaryResponse> => {
    const ctx = new FastHandlerContext(req);
    const reply = await route.serve(req.message, ctx);
    req.contextValues.set(replyKey, { reply, ctx });
    return new FastUnaryResponse(service, method, ctx, placeholder);
  };
  let chain = handler;
  for (const interceptor of [...opts.interceptors].reverse()) {
    chain = interceptor(chain as never) as typeof chain;
  }
  return async (req, res, wire) => {
    try {
      const bytes = wire.get
        ? readQueryMessage(wire.query!, opts.readMaxBytes)
        : await readBody(req, wire, opts.readMaxBytes);
      const contextValues = opts.valuesOf(req);
      await chain({
        stream: false,
        service,
        method,
        requestMethod: req.method ?? "POST",
        url: req.url ?? "",
        signal: opts.signal,
        header: opts.headerOf(req),
        contextValues,
        message: messageOf(bytes, wire.binary),
      });
      const served = contextValues.get(replyKey);
      if (served === undefined) throw new ConnectError("internal error", Code.Internal);
      // Headers the handler or an interceptor set (none, usually: then none are made).
      const { header, trailer } = served.ctx;
      await writeFastReply(req, res, wire, served.reply, header, trailer);
    } catch (err) {
      writeFastError(req, res, wire, asDecodeError(err));
    }
  };
}

/**
 * The handler context of a fast call. A class, so that its response header getters live on
 * the prototype instead of being made per call; the headers are made only when someone asks
 * for them.
 */
class FastHandlerContext implements HandlerContext {
  readonly method: HandlerContext["method"];
  readonly service: HandlerContext["service"];
  readonly signal: AbortSignal;
  readonly requestMethod: string;
  readonly requestHeader: Headers;
  readonly protocolName = "connect";
  readonly values: ContextValues;
  readonly url: string;
  header: Headers | undefined = undefined;
  trailer: Headers | undefined = undefined;

  constructor(req: UnaryRequest) {
    this.method = req.method;
    this.service = req.service;
    this.signal = req.signal;
    this.requestMethod = req.requestMethod;
    this.requestHeader = req.header;
    this.values = req.contextValues;
    this.url = req.url;
  }

  timeoutMs(): undefined {
    return undefined;
  }

  get responseHeader(): Headers {
    return (this.header ??= new Headers());
  }

  get responseTrailer(): Headers {
    return (this.trailer ??= new Headers());
  }
}

/** The response interceptors see; its headers are the handler context's, made on demand. */
class FastUnaryResponse implements UnaryResponse {
  readonly stream = false as const;

  constructor(
    readonly service: DescService,
    readonly method: DescMethodUnary,
    private readonly ctx: FastHandlerContext,
    readonly message: UnaryResponse["message"],
  ) {}

  get header(): Headers {
    return this.ctx.responseHeader;
  }

  get trailer(): Headers {
    return this.ctx.responseTrailer;
  }
}
