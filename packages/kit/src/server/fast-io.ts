import { Code, ConnectError } from "@connectrpc/connect";
import { codeToHttpStatus, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import type { NodeRequest, NodeResponse } from "./node-http.js";
import { compressMinBytes, type FastWire } from "./fast-wire.js";
import type { EncodedReply } from "./fast-route.js";

/** Fails a call whose message exceeds the limit, in Connect's words. */
function tooLarge(readMaxBytes: number, size?: number): ConnectError {
  return new ConnectError(
    size === undefined
      ? `message size is larger than configured readMaxBytes ${readMaxBytes}`
      : `message size ${size} is larger than configured readMaxBytes ${readMaxBytes}`,
    Code.ResourceExhausted,
  );
}

/** Reads the request message of a Connect GET from its query string (`message`, `base64`). */
export function readQueryMessage(query: URLSearchParams, readMaxBytes: number): Uint8Array {
  const message = query.get("message") ?? "";
  const bytes =
    query.get("base64") === "1"
      ? new Uint8Array(Buffer.from(message, "base64url"))
      : new TextEncoder().encode(message);
  if (bytes.byteLength > readMaxBytes) throw tooLarge(readMaxBytes);
  return bytes;
}

/**
 * Reads the request message of a POST: the whole body for Connect, the one enveloped
 * message for gRPC (`kind` names the method's kind in Connect's errors).
 */
export async function readBody(
  req: NodeRequest,
  wire: FastWire,
  readMaxBytes: number,
  kind: "unary" | "server-streaming" = "unary",
): Promise<Uint8Array> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (wire.protocol === "connect" && declared > readMaxBytes) {
    throw tooLarge(readMaxBytes, declared);
  }
  // gRPC frames the message in a 5-byte envelope.
  const limit = wire.protocol === "grpc" ? readMaxBytes + 5 : readMaxBytes;
  const body = await collect(req, limit, readMaxBytes);
  if (wire.protocol === "connect") return body;
  if (body.byteLength === 0) {
    throw new ConnectError(
      `protocol error: missing input message for ${kind} method`,
      Code.Unimplemented,
    );
  }
  if (body.byteLength < 5) {
    throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  }
  const length = body.readUInt32BE(1);
  if (length > readMaxBytes) throw tooLarge(readMaxBytes, length);
  if (body.byteLength < 5 + length) {
    throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  }
  if (body.byteLength > 5 + length) {
    throw new ConnectError(
      `protocol error: received extra input message for ${kind} method`,
      Code.Unimplemented,
    );
  }
  if ((body[0]! & 0b1) !== 0) {
    throw new ConnectError(
      "received compressed envelope, but do not know how to decompress",
      Code.Internal,
    );
  }
  return body.subarray(5);
}

/**
 * Collects a request body of at most `limit` bytes from the stream's events (a small body is
 * one chunk: no async iteration machinery per call). A body over the limit destroys the
 * request, as leaving an async iteration early does.
 */
function collect(req: NodeRequest, limit: number, readMaxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.byteLength;
      if (size > limit) {
        done();
        req.destroy();
        reject(tooLarge(readMaxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      done();
      reject(err);
    };
    const onClose = (): void => {
      done();
      reject(new ConnectError("the client went away before its request ended", Code.Canceled));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

/** Headers as Node's `writeHead` and `addTrailers` take them. */
export function plainHeaders(headers: Headers | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  headers?.forEach((value, name) => (out[name] = value));
  return out;
}

function setHeaders(res: NodeResponse, headers: Headers | undefined): void {
  headers?.forEach((value, name) => res.setHeader(name, value));
}

/** Writes a successful reply in the call's protocol (compressed when the client accepts it). */
export async function writeFastReply(
  req: NodeRequest,
  res: NodeResponse,
  wire: FastWire,
  reply: EncodedReply,
  header: Headers | undefined,
  trailer: Headers | undefined,
): Promise<void> {
  setHeaders(res, header);
  let body = reply.encode(wire.binary);
  const compress = wire.compression !== null && body.byteLength >= compressMinBytes;
  if (compress) body = await wire.compression!.compress(body);
  if (wire.protocol === "grpc") {
    res.setHeader("content-type", "application/grpc+proto");
    if (wire.compression) res.setHeader("grpc-encoding", wire.compression.name);
    const frame = Buffer.allocUnsafe(5 + body.byteLength);
    frame[0] = compress ? 1 : 0;
    frame.writeUInt32BE(body.byteLength, 1);
    frame.set(body, 5);
    res.writeHead(200);
    res.addTrailers({ "grpc-status": "0", ...plainHeaders(trailer) });
    res.end(frame);
    return;
  }
  setHeaders(res, trailer && prefixed(trailer));
  if (wire.get && reply.etag !== undefined) {
    const etag = `"${reply.etag}"`;
    res.setHeader("etag", etag);
    // The reply depends on who asks: only the client itself may keep it, and it revalidates.
    res.setHeader("cache-control", "private, no-cache");
    if (matches(req.headers["if-none-match"], etag)) {
      res.writeHead(304);
      res.end();
      return;
    }
  }
  if (compress) res.setHeader("content-encoding", wire.compression!.name);
  res.setHeader("content-type", wire.binary ? "application/proto" : "application/json");
  res.setHeader("content-length", body.byteLength);
  res.writeHead(200);
  res.end(body);
}

/** Connect unary responses carry trailers as `trailer-` prefixed headers. */
function prefixed(trailer: Headers): Headers {
  const out = new Headers();
  trailer.forEach((value, name) => out.set(`trailer-${name}`, value));
  return out;
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(",").some((t) => {
    const tag = t.trim();
    return tag === etag || tag === `W/${etag}` || tag === "*";
  });
}

/** Writes a failed call in the call's protocol: a Connect JSON error or gRPC status trailers. */
export function writeFastError(
  _req: NodeRequest,
  res: NodeResponse,
  wire: FastWire,
  thrown: unknown,
): void {
  const err =
    thrown instanceof ConnectError
      ? thrown
      : new ConnectError("internal error", Code.Internal, undefined, undefined, thrown);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (wire.protocol === "grpc") {
    res.setHeader("content-type", "application/grpc+proto");
    if (wire.compression) res.setHeader("grpc-encoding", wire.compression.name);
    res.writeHead(200);
    res.addTrailers(plainHeaders(setTrailerStatus(new Headers(), err)));
    res.end();
    return;
  }
  const body = errorToJsonBytes(err, undefined);
  err.metadata.forEach((value, name) => res.setHeader(name, value));
  res.setHeader("content-type", "application/json");
  res.setHeader("content-length", body.byteLength);
  res.writeHead(codeToHttpStatus(err.code));
  res.end(body);
}
