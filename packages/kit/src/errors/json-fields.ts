import {
  ScalarType,
  fromJson,
  type DescField,
  type DescMessage,
  type JsonValue,
} from "@bufbuild/protobuf";
import type { FieldViolationInit } from "./bad-request.js";

/** What a well-known type takes in JSON, said to a caller who sent something else. */
const wellKnown: Record<string, string> = {
  "google.protobuf.Struct": "must be a JSON object",
  "google.protobuf.ListValue": "must be a JSON array",
  "google.protobuf.Value": "must be a JSON value",
  "google.protobuf.Timestamp":
    'must be an RFC 3339 date-time string, such as "2026-01-02T03:04:05Z"',
  "google.protobuf.Duration": 'must be a duration string in seconds, such as "1.5s"',
  "google.protobuf.FieldMask":
    'must be a string of comma-separated field names, such as "name,labels"',
  "google.protobuf.Empty": "must be an empty JSON object",
};

/** What a scalar or enum value of `field` (or of its elements) takes in JSON. */
function valueExpectation(field: DescField): string {
  const kind =
    field.fieldKind === "list"
      ? field.listKind
      : field.fieldKind === "map"
        ? field.mapKind
        : field.fieldKind;
  if (kind === "enum" && field.enum) return `must be one of the names of ${field.enum.typeName}`;
  if (kind !== "scalar" || field.scalar === undefined) return "has the wrong JSON type";
  switch (field.scalar) {
    case ScalarType.BOOL:
      return "must be true or false";
    case ScalarType.STRING:
      return "must be a string";
    case ScalarType.BYTES:
      return "must be base64 text";
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return "must be a number";
    default:
      return "must be an integer within its range (a number, or a string of digits)";
  }
}

const maxSample = 40;

/** A short JSON rendering of what the caller sent. */
function sample(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // Nested too deep to write back.
    text = Array.isArray(value) ? "[…]" : "{…}";
  }
  return text.length <= maxSample ? text : `${text.slice(0, maxSample)}…`;
}

/** A UTF-16 surrogate without its pair, which no UTF-8 text can hold. */
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const surrogateText = "must not contain a lone surrogate (invalid UTF8)";

/** Whether a parsed JSON value is an object (not an array, not null). */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const decodes = (desc: DescMessage, json: unknown): boolean => {
  try {
    fromJson(desc, json as JsonValue, { ignoreUnknownFields: true });
    return true;
  } catch {
    return false;
  }
};

/**
 * Finds the field of the JSON request `json` (already parsed) for which the message `desc`
 * does not decode, as protobuf-es decodes it with unknown fields ignored (Connect's JSON
 * codec), and says what it must be, with its path in proto field names (`a.b[2]`,
 * `labels["k"]`). Undefined when no one field is to blame (the request is not an object,
 * or it decodes).
 */
export function jsonFieldViolation(
  desc: DescMessage,
  json: unknown,
): FieldViolationInit | undefined {
  try {
    // One decode of the whole when it is fine; the search below decodes field by field.
    return decodes(desc, json) ? undefined : inMessage(desc, json, "");
  } catch {
    // Nested past what the walk can follow: protobuf-es's own error stands.
    return undefined;
  }
}

function inMessage(desc: DescMessage, json: unknown, path: string): FieldViolationInit | undefined {
  if (!isObject(json)) return undefined;
  for (const [key, value] of Object.entries(json)) {
    const field = desc.fields.find((f) => f.jsonName === key || f.name === key);
    if (field === undefined || decodes(desc, { [key]: value })) continue;
    const at = path === "" ? field.name : `${path}.${field.name}`;
    return inField(field, value, at, (v) => decodes(desc, { [key]: v }));
  }
  return undefined;
}

/** Blames `value` of `field`, or one of its elements; `fine` tells whether a value decodes. */
function inField(
  field: DescField,
  value: unknown,
  at: string,
  fine: (value: unknown) => boolean,
): FieldViolationInit {
  if (field.fieldKind === "message") return inElement(field.message, value, at);
  if (field.fieldKind === "list" && Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      if (fine([v])) continue;
      const p = `${at}[${i}]`;
      return field.listKind === "message" ? inElement(field.message, v, p) : blame(field, v, p);
    }
  }
  if (field.fieldKind === "map" && isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (fine({ [k]: v })) continue;
      const p = `${at}[${JSON.stringify(k)}]`;
      if (field.mapKind === "message") {
        return fine({ [k]: {} }) ? inElement(field.message, v, p) : badKey(field, k, at);
      }
      if (field.mapKey === ScalarType.STRING) {
        return loneSurrogate.test(k) ? badKey(field, k, at) : blame(field, v, p);
      }
      return {
        field: at,
        description: `has a key or value its type refuses: key ${sample(k)}, value ${sample(v)}`,
      };
    }
  }
  if (field.fieldKind === "list")
    return { field: at, description: `must be a JSON array, not ${sample(value)}` };
  if (field.fieldKind === "map")
    return { field: at, description: `must be a JSON object, not ${sample(value)}` };
  return blame(field, value, at);
}

function blame(field: DescField, value: unknown, at: string): FieldViolationInit {
  // A string where a string belongs fails only for what it holds.
  if (
    typeof value === "string" &&
    field.scalar === ScalarType.STRING &&
    loneSurrogate.test(value)
  ) {
    return { field: at, description: surrogateText };
  }
  return { field: at, description: `${valueExpectation(field)}, not ${sample(value)}` };
}

function badKey(field: DescField, key: string, at: string): FieldViolationInit {
  if (loneSurrogate.test(key)) return { field: at, description: `keys ${surrogateText}` };
  const kind = field.fieldKind === "map" ? ScalarType[field.mapKey].toLowerCase() : "key";
  return { field: at, description: `has a key that is not a ${kind}: ${sample(key)}` };
}

function inElement(desc: DescMessage, value: unknown, at: string): FieldViolationInit {
  const known = wellKnown[desc.typeName];
  if (known === undefined && !decodes(desc, value)) {
    const deeper = inMessage(desc, value, at);
    if (deeper) return deeper;
  }
  const expected = known ?? `must be a JSON object (${desc.typeName})`;
  return { field: at, description: `${expected}, not ${sample(value)}` };
}
