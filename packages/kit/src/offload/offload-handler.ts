import type { UniversalHandler, UniversalServerRequest } from "@connectrpc/connect/protocol";
import { connectUnaryType } from "../server/fast-wire.js";
import { sameRoute } from "../server/wrap-handler.js";
import { documentFields, type DecodeTask, type OffloadProtocol } from "./decode-task.js";
import type { RequestDecoder } from "./decoder.js";
import { predecodedKey } from "./restore.js";

/** What {@link withOffloadedDecode} needs. */
export interface OffloadOptions {
  decoder: RequestDecoder;
  /** The server's largest request message, in bytes. */
  readMaxBytes: number;
  /** Bodies from this size on are decoded on the thread (compressed ones always). */
  minBytes: number;
}

type Wire = Omit<DecodeTask, "body" | "readMaxBytes">;

const grpcType = /^application\/(grpc|grpc-web)(\+proto|\+json)?$/i;

function encodingOf(value: string | null): Wire["encoding"] | null {
  if (value === null || value === "identity") return undefined;
  return value === "gzip" || value === "br" ? value : null;
}

/** How a unary request travels, or undefined for what is left to Connect as it is. */
export function wireOf(req: UniversalServerRequest): Wire | undefined {
  if (req.method !== "POST") return undefined;
  const type = req.header.get("content-type") ?? "";
  const connect = connectUnaryType.exec(type);
  const grpc = connect ? null : grpcType.exec(type);
  if (!connect && !grpc) return undefined;
  const encoding = encodingOf(req.header.get(connect ? "content-encoding" : "grpc-encoding"));
  if (encoding === null) return undefined;
  if (connect)
    return { protocol: "connect", binary: connect[1]!.toLowerCase() === "proto", encoding };
  const protocol = grpc![1]!.toLowerCase() as OffloadProtocol;
  return { protocol, binary: grpc![2]?.toLowerCase() !== "+json", encoding };
}

/** What {@link readUpTo} read of a body. */
export interface Read {
  chunks: Uint8Array[];
  /** The unread rest of a body past the limit. */
  rest?: AsyncIterator<Uint8Array>;
  /** Why the body could not be read to its end (the client went away, say). */
  failed?: { error: unknown };
}

/** The body as Connect would have read it: the chunks, then the rest or the failure. */
export async function* replay(read: Read): AsyncIterable<Uint8Array> {
  yield* read.chunks;
  if (read.failed) throw read.failed.error;
  const rest = read.rest;
  if (!rest) return;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

/**
 * Reads a body up to `limit` bytes; past it, the rest stays unread in the iterator returned
 * (the request then goes to Connect, which refuses it in its own words). A body that fails
 * while it is read is returned with its failure, for Connect to answer as it would.
 */
export async function readUpTo(body: AsyncIterable<Uint8Array>, limit: number): Promise<Read> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const it = body[Symbol.asyncIterator]();
  try {
    for (let next = await it.next(); !next.done; next = await it.next()) {
      chunks.push(next.value);
      size += next.value.byteLength;
      if (size > limit) return { chunks, rest: it };
    }
  } catch (error) {
    return { chunks, failed: { error } };
  }
  return { chunks };
}

/**
 * Wraps the Connect handler of a unary method whose request holds JSON documents
 * (google.protobuf.Value or Struct fields): a large request message is decoded on a worker
 * thread instead of the event loop, where a document of 1 MiB takes 0.1–0.5 s to become a
 * tree of messages. The handler then gets the request without its documents, in the same
 * codec and framing (uncompressed), and the restore interceptor (`restore.ts`) puts the
 * documents back as JSON text behind stand-in values. Every request the thread does not
 * decode exactly as Connect would goes to Connect as it came. Other methods are returned as
 * they are.
 */
export function withOffloadedDecode(
  handler: UniversalHandler,
  opts: OffloadOptions,
): UniversalHandler {
  const { method } = handler;
  if (method.methodKind !== "unary" || documentFields(method.input).length === 0) return handler;
  const path = `${handler.service.typeName}/${method.name}`;
  const wrapped = async (req: UniversalServerRequest) => {
    const wire = wireOf(req);
    const body = req.body;
    const values = req.contextValues;
    if (wire === undefined || values === undefined || !isAsyncIterable(body)) return handler(req);
    // A small body that says so goes straight to Connect, as it streams in.
    const declared = Number(req.header.get("content-length") ?? Number.NaN);
    if (wire.encoding === undefined && declared < opts.minBytes) return handler(req);
    // gRPC frames the message in a 5-byte envelope.
    const read = await readUpTo(body, opts.readMaxBytes + 5);
    if (read.rest || read.failed) return handler({ ...req, body: replay(read) });
    const bytes = read.chunks.length === 1 ? read.chunks[0]! : Buffer.concat(read.chunks);
    // A compressed body says nothing about the size of its message: it always goes.
    const worth = wire.encoding !== undefined || bytes.byteLength >= opts.minBytes;
    const decoded = worth
      ? await opts.decoder.decode(path, { ...wire, body: bytes, readMaxBytes: opts.readMaxBytes })
      : undefined;
    if (decoded === undefined) return handler({ ...req, body: replay({ chunks: [bytes] }) });
    values.set(predecodedKey, decoded.documents);
    const header = new Headers(req.header);
    if (wire.protocol === "connect" && wire.encoding) {
      // Connect answers in the request's compression unless the client names others.
      header.delete("content-encoding");
      if (!header.has("accept-encoding")) header.set("accept-encoding", wire.encoding);
    }
    // A gRPC envelope says itself that it is not compressed; grpc-encoding stays as sent.
    if (header.has("content-length") || wire.protocol === "connect") {
      header.set("content-length", String(decoded.body.byteLength));
    }
    return handler({ ...req, header, body: replay({ chunks: [decoded.body] }) });
  };
  return sameRoute(handler, wrapped);
}

export function isAsyncIterable(body: unknown): body is AsyncIterable<Uint8Array> {
  return typeof body === "object" && body !== null && Symbol.asyncIterator in body;
}
