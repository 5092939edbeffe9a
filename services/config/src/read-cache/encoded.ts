import { toJsonString } from "@bufbuild/protobuf";
import { jsonOfValue, valueWire } from "@guardian/kit";
import { ValueSchema, type Value } from "@bufbuild/protobuf/wkt";

/** A config's content in both wire forms: `google.protobuf.Value` proto bytes and JSON text. */
export interface EncodedContent {
  readonly proto: Uint8Array;
  readonly json: Uint8Array;
}

const encoder = new TextEncoder();
const memo = new WeakMap<Value, { proto?: Uint8Array; json?: Uint8Array }>();

/**
 * The encoded forms of a content, each built once on first use and kept as long as the
 * content itself: the read cache holds one content per config version, so every response
 * for that version shares the same bytes.
 */
export function encodedContent(content: Value): EncodedContent {
  let entry = memo.get(content);
  if (entry === undefined) {
    entry = {};
    memo.set(content, entry);
  }
  const e = entry;
  return {
    get proto() {
      // Written from the JSON: protobuf-es's writer takes ten times as long on a large tree.
      return (e.proto ??= valueWire(jsonOfValue(content)));
    },
    get json() {
      return (e.json ??= encoder.encode(toJsonString(ValueSchema, content)));
    },
  };
}
