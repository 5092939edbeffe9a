import type { DescMessage } from "@bufbuild/protobuf";
import type { ConnectError } from "@connectrpc/connect";
import type {
  UniversalHandler,
  UniversalServerRequest,
  UniversalServerResponse,
} from "@connectrpc/connect/protocol";
import { codeToHttpStatus, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { invalidArgument } from "../errors/bad-request.js";
import { unknownEnumViolation } from "../errors/json-enums.js";
import { jsonFieldViolation } from "../errors/json-fields.js";
import { decompress, unenvelope } from "../offload/decode-task.js";
import { isAsyncIterable, readUpTo, replay, wireOf } from "../offload/offload-handler.js";
import { predecodedKey } from "../offload/restore.js";
import { sameRoute } from "./wrap-handler.js";

/** A Connect stream's JSON request (a server-streaming call's one enveloped message). */
const connectStreamJson = /^application\/connect\+json(?:; ?charset=utf-?8)?$/i;

/** How the message of a JSON request is framed and compressed. */
interface Framing {
  framing: "raw" | "envelope";
  encoding: "gzip" | "br" | undefined;
}

/** How the message of a JSON POST is framed; undefined when it is not one read here. */
function framingOf(req: UniversalServerRequest): Framing | undefined {
  const wire = wireOf(req);
  if (wire) {
    if (wire.binary) return undefined;
    return { framing: wire.protocol === "connect" ? "raw" : "envelope", encoding: wire.encoding };
  }
  if (req.method !== "POST" || !connectStreamJson.test(req.header.get("content-type") ?? "")) {
    return undefined;
  }
  const encoding = req.header.get("connect-content-encoding");
  if (encoding === null || encoding === "identity")
    return { framing: "envelope", encoding: undefined };
  return encoding === "gzip" || encoding === "br" ? { framing: "envelope", encoding } : undefined;
}

/** The JSON message of a Connect GET (`?encoding=json&message=…`); undefined for others. */
function getMessage(req: UniversalServerRequest): Uint8Array | undefined {
  if (req.method !== "GET") return undefined;
  const query = new URL(req.url, "http://x").searchParams;
  const compression = query.get("compression");
  if (query.get("encoding") !== "json" || (compression !== null && compression !== "identity")) {
    return undefined;
  }
  const message = query.get("message") ?? "";
  return query.get("base64") === "1"
    ? new Uint8Array(Buffer.from(message, "base64url"))
    : new TextEncoder().encode(message);
}

/** Connect's answer to a unary call that failed with `error`, in JSON. */
function connectErrorResponse(error: ConnectError): UniversalServerResponse {
  return {
    status: codeToHttpStatus(error.code),
    header: new Headers({ "content-type": "application/json" }),
    body: (async function* () {
      yield errorToJsonBytes(error, {});
    })(),
  };
}

const decoder = new TextDecoder();

/**
 * The InvalidArgument error naming the field of the JSON message `message` for which it
 * does not decode as Connect decodes it, or that names an enum value its enum does not have
 * (which Connect would drop); undefined when it decodes with every enum name known, is not
 * JSON, or no one field is to blame (Connect's own error then stands).
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
  return jsonFieldViolation(desc, json) ?? unknownEnumViolation(desc, json);
}

/**
 * The decoding error of the JSON message of `bytes`, uncompressed; undefined when it decodes
 * or cannot be read here (Connect then answers as it would).
 */
function messageOf(
  bytes: Uint8Array,
  { framing, encoding }: Framing,
  maxBytes: number,
  desc: DescMessage,
): ConnectError | undefined {
  const task = { encoding, readMaxBytes: maxBytes };
  let message: Uint8Array | undefined;
  try {
    message = framing === "raw" ? decompress(bytes, task) : unenvelope(bytes, task);
  } catch {
    // Corrupt or past the limit once uncompressed: Connect says so itself.
    return undefined;
  }
  return message && jsonDecodeError(desc, message);
}

/** A body that fails with `error` when it is read, so that Connect answers with it. */
async function* failing(error: unknown): AsyncIterable<Uint8Array> {
  throw error;
}

/**
 * Wraps a connect-es handler so that a JSON request whose message does not decode is
 * answered with InvalidArgument naming the field and what it must be (`invalid content: must
 * be a JSON object, not true`, with a BadRequest detail) instead of protobuf-es's words
 * about a type (`cannot decode message google.protobuf.Struct from JSON true`), and so that
 * an enum name its enum does not have is refused the same way instead of being dropped
 * (`json-enums.ts`). The message is decoded here as Connect will decode it; only when that
 * fails is the field looked for, and the body Connect then reads fails with the error,
 * which Connect answers in the call's protocol (Connect, gRPC or gRPC-Web, unary or
 * server-streaming; a Connect GET is answered here). Client streams, bodies over `maxBytes`
 * (compressed or not), binary ones and requests the decoding thread already decoded go to
 * Connect as they are.
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
    if (method.methodKind === "unary" && req.method === "GET") {
      const message = getMessage(req);
      const error =
        message && message.byteLength <= opts.maxBytes && jsonDecodeError(desc, message);
      return error ? connectErrorResponse(error) : handler(req);
    }
    const framing = framingOf(req);
    const body = req.body;
    if (framing === undefined || !isAsyncIterable(body)) return handler(req);
    if (req.contextValues?.get(predecodedKey) !== undefined) return handler(req);
    const read = await readUpTo(body, opts.maxBytes + 5);
    if (read.rest || read.failed) return handler({ ...req, body: replay(read) });
    const bytes = read.chunks.length === 1 ? read.chunks[0]! : Buffer.concat(read.chunks);
    const error = messageOf(bytes, framing, opts.maxBytes, desc);
    return handler({ ...req, body: error ? failing(error) : replay({ chunks: [bytes] }) });
  };
  return sameRoute(handler, wrapped);
}
