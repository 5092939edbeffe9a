import { create, ScalarType } from "@bufbuild/protobuf";
import type { DescField, DescMessage, Message } from "@bufbuild/protobuf";

/**
 * Reads the JSON form of a request message without protobuf-es's general JSON reader, for
 * the plain requests a fast route mostly sees. Returns undefined for anything it does not
 * read exactly as protobuf-es would (unknown or duplicate keys, `null`, a number where a
 * string belongs, a string holding a surrogate, a 64-bit integer outside the safe range, bad
 * JSON): the caller then parses the bytes the general way, which also gives the error.
 */
export type FastJsonReader = (bytes: Uint8Array) => Message | undefined;

type Convert = (value: unknown) => unknown;

const int32Min = -0x80000000;
const int32Max = 0x7fffffff;
const uint32Max = 0xffffffff;
// Decimal integers a double holds exactly, with no sign or leading-zero forms to argue about.
const safeDecimal = /^(?:0|-?[1-9][0-9]{0,14})$/;
const unsignedDecimal = /^(?:0|[1-9][0-9]{0,14})$/;
const surrogate = /[\uD800-\uDFFF]/;
const decoder = new TextDecoder();

/** undefined marks a value the fast reader leaves to protobuf-es. */
function converterOf(field: DescField): Convert | undefined {
  if (field.fieldKind !== "scalar" || field.oneof !== undefined) return undefined;
  switch (field.scalar) {
    case ScalarType.STRING:
      return (v) => (typeof v === "string" && !surrogate.test(v) ? v : undefined);
    case ScalarType.BOOL:
      return (v) => (typeof v === "boolean" ? v : undefined);
    case ScalarType.INT32:
      return (v) =>
        typeof v === "number" && Number.isInteger(v) && v >= int32Min && v <= int32Max
          ? v
          : undefined;
    case ScalarType.UINT32:
      return (v) =>
        typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= uint32Max ? v : undefined;
    case ScalarType.INT64:
      return (v) =>
        (typeof v === "number" && Number.isSafeInteger(v)) ||
        (typeof v === "string" && safeDecimal.test(v))
          ? BigInt(v)
          : undefined;
    case ScalarType.UINT64:
      return (v) =>
        (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) ||
        (typeof v === "string" && unsignedDecimal.test(v))
          ? BigInt(v)
          : undefined;
    default:
      return undefined;
  }
}

/**
 * Creates the fast JSON reader of a message type, or returns undefined when the type has a
 * field it does not handle (anything but singular string, bool and 32/64-bit integer
 * fields outside a oneof) or is a well-known type.
 */
export function createFastJsonReader(desc: DescMessage): FastJsonReader | undefined {
  // Well-known types have JSON forms of their own (a wrapper is its bare value).
  if (desc.typeName.startsWith("google.protobuf.")) return undefined;
  const byName = new Map<string, { index: number; localName: string; convert: Convert }>();
  for (const [index, field] of desc.fields.entries()) {
    const convert = converterOf(field);
    if (convert === undefined) return undefined;
    const entry = { index, localName: field.localName, convert };
    byName.set(field.name, entry);
    byName.set(field.jsonName, entry);
  }
  const fieldCount = desc.fields.length;
  return (bytes) => {
    const text = decoder.decode(bytes);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
    const keys = Object.keys(json);
    // JSON.parse keeps the last of duplicate keys, which protobuf-es refuses: in a flat object
    // (the only kind read here) the text then has more members than the object.
    if (keys.length > 0 && commasOutsideStrings(text) !== keys.length - 1) return undefined;
    const init: Record<string, unknown> = {};
    let seen = 0;
    for (const key of keys) {
      const entry = byName.get(key);
      if (entry === undefined) return undefined;
      const bit = fieldCount <= 31 ? 1 << entry.index : 0;
      // A field named twice (by its proto and its JSON name) is left to protobuf-es.
      if (bit === 0 || (seen & bit) !== 0) return undefined;
      seen |= bit;
      const value = entry.convert((json as Record<string, unknown>)[key]);
      if (value === undefined) return undefined;
      init[entry.localName] = value;
    }
    return create(desc, init as never);
  };
}

/** Counts the commas of a JSON text that are not inside a string. */
function commasOutsideStrings(text: string): number {
  let commas = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x2c) {
      commas++;
    }
  }
  return commas;
}
