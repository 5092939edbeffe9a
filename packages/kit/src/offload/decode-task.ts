import { brotliDecompressSync, gunzipSync } from "node:zlib";
import {
  fromBinary,
  fromJsonString,
  toBinary,
  toJsonString,
  type DescField,
  type DescMessage,
  type Message,
} from "@bufbuild/protobuf";
import { ValueSchema, type Value } from "@bufbuild/protobuf/wkt";
import { findTextProblems } from "../rpc/text-check.js";
import { mayHoldEnumNames, unknownEnumViolation } from "../errors/json-enums.js";

/** How a unary request travels: Connect's unary POST, or one enveloped gRPC(-Web) message. */
export type OffloadProtocol = "connect" | "grpc" | "grpc-web";

/** A request message to decode off the event loop (see {@link decodeRequest}). */
export interface DecodeTask {
  protocol: OffloadProtocol;
  /** The proto codec; otherwise JSON. */
  binary: boolean;
  /** The body's compression: `content-encoding` (Connect) or `grpc-encoding` (gRPC). */
  encoding: "gzip" | "br" | undefined;
  /** The request body as received. */
  body: Uint8Array;
  /** The largest message the server accepts, in bytes (decompressed). */
  readMaxBytes: number;
}

/** One document field taken out of a request message, as JSON text. */
export interface TakenDocument {
  /** The field's number in the request message. */
  field: number;
  /** The document as JSON text (protobuf-es's JSON for a Value, JSON.stringify for a Struct). */
  json: string;
}

/**
 * The outcome of decoding: the request body again, without its document fields and
 * uncompressed, in the same codec and framing, plus the documents; or `undefined` when the
 * request is left to Connect exactly as received (it does not decode, it is too large, it
 * holds text PostgreSQL cannot store, or a document is not JSON), so that every error is
 * Connect's own.
 */
export interface DecodedRequest {
  body: Uint8Array;
  documents: TakenDocument[];
}

/** The fields of a request message that hold JSON documents: singular Value or Struct. */
export function documentFields(schema: DescMessage): DescField[] {
  return schema.fields.filter(
    (f) =>
      f.fieldKind === "message" &&
      (f.message.typeName === "google.protobuf.Value" ||
        f.message.typeName === "google.protobuf.Struct"),
  );
}

/** Refuses non-finite numbers, which JSON cannot hold, while a Struct is written as JSON. */
function finiteOnly(_key: string, value: unknown): unknown {
  if (typeof value === "number" && !Number.isFinite(value)) throw new RangeError("not JSON");
  return value;
}

/** A message body uncompressed with `task.encoding`; throws past `task.readMaxBytes`. */
export function decompress(
  bytes: Uint8Array,
  task: Pick<DecodeTask, "encoding" | "readMaxBytes">,
): Uint8Array {
  const options = { maxOutputLength: task.readMaxBytes };
  // Over the limit, zlib throws; the request then goes to Connect, which refuses it.
  return task.encoding === "gzip"
    ? gunzipSync(bytes, options)
    : task.encoding === "br"
      ? brotliDecompressSync(bytes, options)
      : bytes;
}

/**
 * The one message of an enveloped body (gRPC, gRPC-Web, a Connect stream's request),
 * uncompressed with `task.encoding`; undefined when unusual.
 */
export function unenvelope(
  body: Uint8Array,
  task: Pick<DecodeTask, "encoding" | "readMaxBytes">,
): Uint8Array | undefined {
  if (body.byteLength < 5) return undefined;
  const flags = body[0]!;
  const length = Buffer.from(body.buffer, body.byteOffset, body.byteLength).readUInt32BE(1);
  if (flags & ~1 || body.byteLength !== 5 + length) return undefined;
  const message = body.subarray(5);
  if ((flags & 1) === 0) return message;
  return task.encoding === undefined ? undefined : decompress(message, task);
}

function envelope(message: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(5 + message.byteLength);
  out[0] = 0;
  out.writeUInt32BE(message.byteLength, 1);
  out.set(message, 5);
  return out;
}

/** Takes the document fields out of a message; undefined when one is not valid JSON. */
function takeDocuments(schema: DescMessage, message: Message): TakenDocument[] | undefined {
  const raw = message as unknown as Record<string, unknown>;
  const documents: TakenDocument[] = [];
  for (const field of documentFields(schema)) {
    let value: unknown;
    if (field.oneof) {
      const group = raw[field.oneof.localName] as { case?: string; value?: unknown };
      if (group.case !== field.localName) continue;
      value = group.value;
      raw[field.oneof.localName] = { case: undefined };
    } else {
      value = raw[field.localName];
      if (value === undefined) continue;
      raw[field.localName] = undefined;
    }
    try {
      const json =
        field.message!.typeName === "google.protobuf.Value"
          ? toJsonString(ValueSchema, value as Value)
          : JSON.stringify(value, finiteOnly);
      documents.push({ field: field.number, json });
    } catch {
      return undefined;
    }
  }
  return documents;
}

/**
 * Decodes a request message as Connect would (protobuf-es's defaults, except that unknown JSON
 * fields are ignored, as Connect's JSON codec does), checks its
 * text as the text check does, and takes its document fields out as JSON text. Runs on a
 * worker thread: decoding a large document builds a tree of messages, which would hold the
 * event loop for up to a second.
 */
export function decodeRequest(schema: DescMessage, task: DecodeTask): DecodedRequest | undefined {
  let bytes: Uint8Array | undefined;
  let message: Message;
  try {
    bytes = task.protocol === "connect" ? decompress(task.body, task) : unenvelope(task.body, task);
    if (bytes === undefined || bytes.byteLength > task.readMaxBytes) return undefined;
    if (task.binary) message = fromBinary(schema, bytes);
    else {
      const text = new TextDecoder().decode(bytes);
      message = fromJsonString(schema, text, { ignoreUnknownFields: true });
      // A mistyped enum name, which decoding drops, is answered by Connect's route.
      if (mayHoldEnumNames(schema) && unknownEnumViolation(schema, JSON.parse(text))) {
        return undefined;
      }
    }
  } catch {
    return undefined;
  }
  if (findTextProblems(schema, message).length > 0) return undefined;
  const documents = takeDocuments(schema, message);
  if (documents === undefined) return undefined;
  const rest = task.binary
    ? toBinary(schema, message)
    : new TextEncoder().encode(toJsonString(schema, message));
  return { body: task.protocol === "connect" ? rest : envelope(rest), documents };
}
