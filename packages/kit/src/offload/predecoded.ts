import { fromJson, toJson, toJsonString, type JsonValue } from "@bufbuild/protobuf";
import { ValueSchema, type Value } from "@bufbuild/protobuf/wkt";

/**
 * JSON documents of request messages that were decoded off the event loop (see
 * `offload/offload-handler.ts`). A document held in a google.protobuf.Value field arrives as
 * its JSON text behind a stand-in Value: code that reads the document through
 * {@link jsonOfValue}, {@link jsonTextOfValue} or {@link jsonKindOf} gets it from the text,
 * without building a tree of Value messages on the event loop. Code that reads the Value's
 * `kind` directly still gets the full Value, built on first access.
 */
const texts = new WeakMap<Value, string>();

/**
 * JSON objects (the local form of google.protobuf.Struct fields) and stand-in Values whose
 * strings were already checked by the decoding thread (see `rpc/text-check.ts`).
 */
const checked = new WeakSet<object>();

/** A stand-in Value for a document given as JSON text (which must be valid JSON). */
export function predecodedValue(text: string): Value {
  const value = { $typeName: "google.protobuf.Value" } as Value;
  let kind: Value["kind"] | undefined;
  Object.defineProperty(value, "kind", {
    get: () => (kind ??= fromJson(ValueSchema, JSON.parse(text) as JsonValue).kind),
    set: (next: Value["kind"]) => {
      kind = next;
      texts.delete(value);
    },
    enumerable: true,
    configurable: true,
  });
  texts.set(value, text);
  checked.add(value);
  return value;
}

/** A Struct field's local form (a JSON object) for a document given as JSON object text. */
export function predecodedObject(text: string): Record<string, JsonValue> {
  const object = JSON.parse(text) as Record<string, JsonValue>;
  checked.add(object);
  return object;
}

/** True for a stand-in Value made by {@link predecodedValue} (and not assigned since). */
export function isPredecoded(value: Value): boolean {
  return texts.has(value);
}

/** True for a stand-in Value or object whose strings the decoding thread checked. */
export function isTextChecked(value: object): boolean {
  return checked.has(value);
}

/** The JSON a Value holds (protobuf-es `toJson`), read from its text when it has one. */
export function jsonOfValue(value: Value): JsonValue {
  const text = texts.get(value);
  return text === undefined ? toJson(ValueSchema, value) : (JSON.parse(text) as JsonValue);
}

/** The JSON text of a Value, exactly as protobuf-es `toJsonString` writes it. */
export function jsonTextOfValue(value: Value): string {
  return texts.get(value) ?? toJsonString(ValueSchema, value);
}

/** Which kind of JSON a Value holds (its `kind.case`), without building it from its text. */
export function jsonKindOf(value: Value): Value["kind"]["case"] {
  const text = texts.get(value);
  if (text === undefined) return value.kind.case;
  switch (text.charCodeAt(0)) {
    case 0x7b: // {
      return "structValue";
    case 0x5b: // [
      return "listValue";
    case 0x22: // "
      return "stringValue";
    case 0x74: // t
    case 0x66: // f
      return "boolValue";
    case 0x6e: // n
      return "nullValue";
    default:
      return "numberValue";
  }
}
