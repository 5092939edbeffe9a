import type { DescMessage } from "@bufbuild/protobuf";
import type { ConnectError } from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerRequest } from "@connectrpc/connect/protocol";
import { invalidArgument } from "../errors/bad-request.js";
import { jsonFieldViolation } from "../errors/json-fields.js";
import { unenvelope } from "../offload/decode-task.js";
import { isAsyncIterable, readUpTo, replay, wireOf } from "../offload/offload-handler.js";
import { predecodedKey } from "../offload/restore.js";
import { sameRoute } from "./wrap-handler.js";

/** A Connect stream's JSON request (a server-streaming call's one enveloped message). */
const connectStreamJson = /^application\/connect\+json(?:; ?charset=utf-?8)?$/i;

/** How the message of a JSON request is framed; undefined when it is not one read here. */
function framingOf(req: UniversalServerRequest): "raw" | "envelope" | undefined {
  const wire = wireOf(req);
  if (wire) {
    // A compressed body is left to Connect, which decompresses it.
    if (wire.binary || wire.encoding) return undefined;
    return wire.protocol === "connect" ? "raw" : "envelope";
  }
  if (req.method !== "POST" || !connectStreamJson.test(req.header.get("content-type") ?? "")) {
    return undefined;
  }
  const encoding = req.header.get("connect-content-encoding");
  return encoding === null || encoding === "identity" ? "envelope" : undefined;
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
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(message));
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
    const message =
      framing === "raw"
        ? bytes
        : unenvelope(bytes, { encoding: undefined, readMaxBytes: opts.maxBytes });
    const error = message && jsonDecodeError(desc, message);
    return handler({ ...req, body: error ? failing(error) : replay({ chunks: [bytes] }) });
  };
  return sameRoute(handler, wrapped);
}
