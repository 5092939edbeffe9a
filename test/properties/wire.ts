import { ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";

/** Encodes a protobuf varint. */
export function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** Encodes one length-delimited field (wire type 2): its tag, length and payload. */
export function lengthDelimited(fieldNo: number, payload: Uint8Array): Uint8Array {
  const head = [...varint(fieldNo * 8 + 2), ...varint(payload.byteLength)];
  const out = new Uint8Array(head.length + payload.byteLength);
  out.set(head, 0);
  out.set(payload, head.length);
  return out;
}

/** Joins byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/**
 * Byte sequences that are not UTF-8: a stray continuation byte, 0xFF, an overlong "/", an
 * encoded UTF-16 surrogate, a sequence cut short, and a code point above U+10FFFF.
 */
export const invalidUtf8Sequences: readonly (readonly number[])[] = [
  [0x80],
  [0xff],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xe2, 0x82],
  [0xf4, 0x90, 0x80, 0x80],
];

/** The string fields of a message, plain, repeated or map keys, where raw text can be placed. */
export function rawStringFields(schema: DescMessage): DescField[] {
  return schema.fields.filter(
    (f) =>
      (f.fieldKind === "scalar" && f.scalar === ScalarType.STRING) ||
      (f.fieldKind === "list" && f.listKind === "scalar" && f.scalar === ScalarType.STRING) ||
      (f.fieldKind === "map" && f.mapKey === ScalarType.STRING),
  );
}

/**
 * A google.protobuf.Value nested `depth` levels deep in binary: list values, each holding
 * the next, around one null value.
 */
export function deepValue(depth: number): Uint8Array {
  // Value.null_value = 1 (enum, varint 0); Value.list_value = 6; ListValue.values = 1.
  let inner: Uint8Array = new Uint8Array([0x08, 0x00]);
  for (let i = 0; i < depth; i++) inner = lengthDelimited(6, lengthDelimited(1, inner));
  return inner;
}
