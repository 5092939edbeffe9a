import type { Value } from "@bufbuild/protobuf/wkt";

/** JSON texts of the answer Values made by {@link jsonAnswerValue}. */
const answers = new WeakMap<Value, string>();

/**
 * A google.protobuf.Value for an answer written with a JSON codec (Connect JSON, gRPC+json,
 * gRPC-Web+json), made from a document's JSON text without building its tree of Value
 * messages: for a document of 20,000 members that tree, and protobuf-es's walk over it, hold
 * the event loop for 30–130 ms. protobuf-es writes a Value's string as it is and
 * `JSON.stringify` then calls the object's `toJSON`, so the answer holds the document parsed
 * by `JSON.parse` (once per Value), the same JSON that `toJsonString` of the full Value writes.
 *
 * It is for JSON serialization only: its `kind` claims a string, so code that reads the
 * Value itself, or a binary codec, must not get it (binary answers use `valueWire`).
 */
export function jsonAnswerValue(text: string): Value {
  let parsed: { json: unknown } | undefined;
  const document = { toJSON: () => (parsed ??= { json: JSON.parse(text) as unknown }).json };
  const value = {
    $typeName: "google.protobuf.Value",
    kind: { case: "stringValue", value: document as unknown as string },
  } as Value;
  answers.set(value, text);
  return value;
}

/** The JSON text of a Value made by {@link jsonAnswerValue}, or undefined for any other. */
export function jsonAnswerText(value: Value): string | undefined {
  return answers.get(value);
}
