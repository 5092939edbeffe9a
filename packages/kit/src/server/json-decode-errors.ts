import { fromJsonString, type DescMessage } from "@bufbuild/protobuf";
import type { ConnectError } from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerRequest } from "@connectrpc/connect/protocol";
import { invalidArgument } from "../errors/bad-request.js";
import { jsonFieldViolation } from "../errors/json-fields.js";
import { isAsyncIterable, readUpTo, replay } from "../offload/offload-handler.js";
import { predecodedKey } from "../offload/restore.js";
import { sameRoute } from "./wrap-handler.js";

/** JSON request bodies: Connect's unary POST (the message), or enveloped messages. */
const connectUnaryJson = /^application\/json(?:; ?charset=utf-?8)?$/i;
const envelopedJson = /^application\/(?:connect|grpc|grpc-web)\+json(?:; ?charset=utf-?8)?$/i;

/** How the message of a JSON request is framed; undefined when it is not one read here. */
function framingOf(req: UniversalServerRequest): "raw" | "envelope" | undefined {
  if (req.method !== "POST") return undefined;
  const type = req.header.get("content-type") ?? "";
  // A compressed body is left to Connect, which decompresses it.
  const encoded = (name: string) => {
    const value = req.header.get(name);
    return value !== null && value !== "identity";
  };
  if (connectUnaryJson.test(type)) return encoded("content-encoding") ? undefined : "raw";
  if (!envelopedJson.test(type)) return undefined;
  return encoded("connect-content-encoding") || encoded("grpc-encoding") ? undefined : "envelope";
}

/** The message of a body holding exactly one uncompressed envelope. */
function unenvelope(body: Uint8Array): Uint8Array | undefined {
  if (body.byteLength < 5 || body[0] !== 0) return undefined;
  const length = Buffer.from(body.buffer, body.byteOffset, body.byteLength).readUInt32BE(1);
  return body.byteLength === 5 + length ? body.subarray(5) : undefined;
}

const decoder = new TextDecoder();

/**
 * The InvalidArgument error naming the field of the JSON message `message` for which it
 * does not decode as Connect decodes it; undefined when it decodes, is not JSON, or no one
 * field is to blame (Connect's own error then stands).
 */
export function jsonDecodeError(desc: DescMessage, message: Uint8Array): ConnectError | undefined {
  try {
    const violation = violationOf(desc, message);
    return violation && invalidArgument([violation]);
  } catch {
    // Whatever fails here (a JSON text nested past the stack, say), Connect's error stands.
    return undefined;
  }
}

function violationOf(desc: DescMessage, message: Uint8Array) {
  const text = decoder.decode(message);
  try {
    fromJsonString(desc, text, { ignoreUnknownFields: true });
    return undefined;
  } catch {
    // Below.
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON at all: Connect says so itself.
    return undefined;
  }
  return jsonFieldViolation(desc, json);
}

/** A body that fails with `error` when it is read, so that Connect answers with it. */
async function* failing(error: unknown): AsyncIterable<Uint8Array> {
  throw error;
}

/**
 * Wraps a connect-es handler so that a JSON request whose message does not decode is
 * answered with InvalidArgument naming the field and what it must be (`invalid content: must
 * be a JSON object, not true`, with a BadRequest detail) instead of protobuf-es's words
 * about a type (`cannot decode message google.protobuf.Struct from JSON true`). The
 * message is decoded here as Connect will decode it; only when that fails is the field
 * looked for, and the body Connect then reads fails with the error, which Connect answers
 * in the call's protocol (Connect, gRPC or gRPC-Web, unary or server-streaming). Client
 * streams, compressed bodies, bodies over `maxBytes`, binary ones and requests the decoding
 * thread already decoded go to Connect as they are.
 */
export function withJsonDecodeErrors(
  handler: UniversalHandler,
  opts: { maxBytes: number },
): UniversalHandler {
  const { method } = handler;
  // A client stream's body is not read ahead: it may be long-lived.
  if (method.methodKind !== "unary" && method.methodKind !== "server_streaming") return handler;
  const desc = method.input;
  const wrapped = async (req: UniversalServerRequest) => {
    const framing = framingOf(req);
    const body = req.body;
    if (framing === undefined || !isAsyncIterable(body)) return handler(req);
    if (req.contextValues?.get(predecodedKey) !== undefined) return handler(req);
    const read = await readUpTo(body, opts.maxBytes + 5);
    if (read.rest || read.failed) return handler({ ...req, body: replay(read) });
    const bytes = read.chunks.length === 1 ? read.chunks[0]! : Buffer.concat(read.chunks);
    const message = framing === "raw" ? bytes : unenvelope(bytes);
    const error = message && jsonDecodeError(desc, message);
    return handler({ ...req, body: error ? failing(error) : replay({ chunks: [bytes] }) });
  };
  return sameRoute(handler, wrapped);
}
