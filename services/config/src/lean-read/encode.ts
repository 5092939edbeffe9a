import type { MessageInitShape } from "@bufbuild/protobuf";
import { create, isMessage } from "@bufbuild/protobuf";
import { ValueSchema, type Value } from "@bufbuild/protobuf/wkt";
import type { ReadConfigResponseSchema } from "@guardian/api";
import { encodedContent } from "../read-cache/encoded.js";

/** A ReadConfig response as its handler returns it. */
export type ReadConfigReply = MessageInitShape<typeof ReadConfigResponseSchema>;

const encoder = new TextEncoder();

/**
 * The last response encoded for a content value, by wire form. Calls between two writes
 * ask for the same bytes (same content, etag and revision), so they are made once and
 * shared: nothing writes into them.
 */
interface LastEncoded {
  readonly etag: ReadConfigReply["etag"];
  readonly notModified: ReadConfigReply["notModified"];
  readonly revision: ReadConfigReply["revision"];
  readonly staleSeconds: ReadConfigReply["staleSeconds"];
  readonly bytes: Uint8Array;
}

const lastProto = new WeakMap<Value, LastEncoded>();
const lastJson = new WeakMap<Value, LastEncoded>();

/** Returns the bytes `encode` makes for `reply`, from `last` when its fields are the same. */
function memoized(
  last: WeakMap<Value, LastEncoded>,
  reply: ReadConfigReply,
  encode: (reply: ReadConfigReply, content: Value | undefined) => Uint8Array,
): Uint8Array {
  if (!reply.content) return encode(reply, undefined);
  const content = contentValue(reply.content);
  const hit = last.get(content);
  if (
    hit !== undefined &&
    hit.etag === reply.etag &&
    hit.notModified === reply.notModified &&
    hit.revision === reply.revision &&
    hit.staleSeconds === reply.staleSeconds
  ) {
    return hit.bytes;
  }
  const bytes = encode(reply, content);
  last.set(content, {
    etag: reply.etag,
    notModified: reply.notModified,
    revision: reply.revision,
    staleSeconds: reply.staleSeconds,
    bytes,
  });
  return bytes;
}

/** Appends a base-128 varint (a non-negative int64 or a length) to `out`. */
function varint(out: number[], value: bigint | number): void {
  let v = BigInt.asUintN(64, BigInt(value));
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

/**
 * Encodes a ReadConfig response in proto wire form by concatenation: the content's cached
 * `google.protobuf.Value` bytes (field 1), then etag (2), not_modified (3), revision (4) and
 * stale_seconds (5), each omitted at its zero value, exactly as protobuf-es would write the message.
 */
export function readConfigProto(reply: ReadConfigReply): Uint8Array {
  return memoized(lastProto, reply, encodeProto);
}

function encodeProto(reply: ReadConfigReply, value: Value | undefined): Uint8Array {
  const content = value && encodedContent(value).proto;
  const head: number[] = [];
  if (content) {
    head.push(0x0a);
    varint(head, content.byteLength);
  }
  const tail: number[] = [];
  if (reply.etag) {
    tail.push(0x10);
    varint(tail, reply.etag);
  }
  if (reply.notModified) tail.push(0x18, 1);
  if (reply.revision) {
    tail.push(0x20);
    varint(tail, reply.revision);
  }
  if (reply.staleSeconds) {
    tail.push(0x28);
    varint(tail, reply.staleSeconds);
  }
  const size = head.length + (content?.byteLength ?? 0) + tail.length;
  const out = new Uint8Array(size);
  out.set(head, 0);
  if (content) out.set(content, head.length);
  out.set(tail, size - tail.length);
  return out;
}

/**
 * Encodes a ReadConfig response as Connect JSON by concatenation: the content's cached JSON
 * text, then the int64 fields as strings and stale_seconds as a number, each omitted at its zero value, in field order, as
 * protobuf-es `toJsonString` writes the message.
 */
export function readConfigJson(reply: ReadConfigReply): Uint8Array {
  return memoized(lastJson, reply, encodeJson);
}

function encodeJson(reply: ReadConfigReply, value: Value | undefined): Uint8Array {
  const content = value && encodedContent(value).json;
  const parts: string[] = [];
  if (reply.etag) parts.push(`"etag":"${BigInt(reply.etag)}"`);
  if (reply.notModified) parts.push(`"notModified":true`);
  if (reply.revision) parts.push(`"revision":"${BigInt(reply.revision)}"`);
  if (reply.staleSeconds) parts.push(`"staleSeconds":${reply.staleSeconds}`);
  const rest = parts.join(",");
  if (!content) return encoder.encode(`{${rest}}`);
  const open = encoder.encode(`{"content":`);
  const close = encoder.encode(rest === "" ? "}" : `,${rest}}`);
  const out = new Uint8Array(open.byteLength + content.byteLength + close.byteLength);
  out.set(open, 0);
  out.set(content, open.byteLength);
  out.set(close, open.byteLength + content.byteLength);
  return out;
}

function contentValue(content: NonNullable<ReadConfigReply["content"]>): Value {
  // The cache hands out one Value per version; anything else is made a Value once here.
  return isMessage(content, ValueSchema) ? content : create(ValueSchema, content);
}
