import {
  create,
  fromBinary,
  ScalarType,
  toBinary,
  toJson,
  type DescField,
  type DescMessage,
  type DescMethod,
} from "@bufbuild/protobuf";
import fc from "fast-check";
import { baseRequest } from "./bases.js";
import type { RawBody, Wire } from "./raw-call.js";
import {
  concat,
  deepValue,
  invalidUtf8Sequences,
  lengthDelimited,
  rawStringFields,
} from "./wire.js";
import { oversized } from "./oversized.js";
import { wrongJsonValue } from "./wrong-json.js";

/** The kinds of bad input the properties send, each with the answer it must get. */
export const inputClasses = [
  "wrong-type",
  "random-bytes",
  "invalid-utf8",
  "huge-string",
  "deep-nesting",
  "oversized",
] as const;

/** One kind of bad input. */
export type InputClass = (typeof inputClasses)[number];

/** One bad request: how it travels, its body, and a short description for failure reports. */
export interface BadRequest {
  wire: Wire;
  body: RawBody;
  what: string;
}

const utf8 = new TextEncoder();

/** The base request of an RPC in binary and JSON form. */
function base(method: DescMethod): { binary: Uint8Array; json: Record<string, unknown> } {
  const build = baseRequest(method);
  if (!build) throw new Error(`no base request for ${method.parent.name}.${method.name}`);
  const message = create(method.input, build());
  return {
    binary: toBinary(method.input, message),
    json: toJson(method.input, message) as Record<string, unknown>,
  };
}

function jsonBody(json: unknown): RawBody {
  return { message: utf8.encode(JSON.stringify(json)) };
}

function decodes(schema: DescMessage, bytes: Uint8Array): boolean {
  try {
    fromBinary(schema, bytes);
    return true;
  } catch {
    return false;
  }
}

const binaryWire = fc.constantFrom<Wire>("connect+proto", "grpc+proto");
const anyWire = fc.constantFrom<Wire>("connect+json", "connect+proto", "grpc+proto");

/** JSON bodies with a field of the wrong type, or that are no JSON object at all. */
function wrongType(method: DescMethod): fc.Arbitrary<BadRequest> {
  const { json } = base(method);
  const notAnObject = fc
    .constantFrom("[]", "42", '"text"', "true", "null", "{", '{"a":', "[{}]")
    .map((text): BadRequest => ({
      wire: "connect+json",
      body: { message: utf8.encode(text) },
      what: `body ${text}`,
    }));
  const fields = method.input.fields.filter((f) => wrongJsonValue(f) !== undefined);
  if (fields.length === 0) return notAnObject;
  const wrongField = fc
    .constantFrom(...fields)
    .chain((f) => wrongJsonValue(f)!.map((value) => ({ f, value })))
    .map(({ f, value }): BadRequest => ({
      wire: "connect+json",
      body: jsonBody({ ...json, [f.jsonName]: value }),
      what: `${f.name} = ${JSON.stringify(value).slice(0, 80)}`,
    }));
  return fc.oneof({ arbitrary: wrongField, weight: 3 }, { arbitrary: notAnObject, weight: 1 });
}

/** Random bytes that are no protobuf encoding of the request type. */
function randomBytes(method: DescMethod): fc.Arbitrary<BadRequest> {
  return fc
    .record({
      wire: binaryWire,
      bytes: fc
        .uint8Array({ minLength: 1, maxLength: 96 })
        .filter((b) => !decodes(method.input, b)),
    })
    .map(({ wire, bytes }) => ({
      wire,
      body: { message: bytes },
      what: `bytes ${Buffer.from(bytes).toString("hex")}`,
    }));
}

const badText = fc
  .record({
    before: fc.string({ maxLength: 8 }),
    bad: fc.constantFrom(...invalidUtf8Sequences),
    after: fc.string({ maxLength: 8 }),
  })
  .map(({ before, bad, after }) =>
    concat([utf8.encode(before), new Uint8Array(bad), utf8.encode(after)]),
  );

function isWkt(f: DescField, typeName: string): boolean {
  return f.fieldKind === "message" && f.message.typeName === typeName;
}

/**
 * Binary requests with invalid UTF-8 in one string: a string field, a map key, a string
 * inside a google.protobuf.Value or a google.protobuf.Struct key. Undefined for a request
 * type that holds no string at all.
 */
function invalidUtf8(method: DescMethod): fc.Arbitrary<BadRequest> | undefined {
  const schema = method.input;
  const places: { name: string; wrap: (bad: Uint8Array) => Uint8Array }[] = [
    ...rawStringFields(schema).map((f) => ({
      name: f.fieldKind === "map" ? `${f.name} key` : f.name,
      wrap: (bad: Uint8Array) =>
        lengthDelimited(f.number, f.fieldKind === "map" ? lengthDelimited(1, bad) : bad),
    })),
    ...schema.fields
      .filter((f) => isWkt(f, "google.protobuf.Value"))
      .map((f) => ({
        name: `${f.name} string_value`,
        wrap: (bad: Uint8Array) => lengthDelimited(f.number, lengthDelimited(3, bad)),
      })),
    ...schema.fields
      .filter((f) => isWkt(f, "google.protobuf.Struct"))
      .map((f) => ({
        name: `${f.name} key`,
        wrap: (bad: Uint8Array) =>
          lengthDelimited(f.number, lengthDelimited(1, lengthDelimited(1, bad))),
      })),
  ];
  if (places.length === 0) return undefined;
  const { binary } = base(method);
  return fc
    .record({ wire: binaryWire, place: fc.constantFrom(...places), bad: badText })
    .map(({ wire, place, bad }) => ({
      wire,
      // A later occurrence of a field wins, so the bad one is appended to the base.
      body: { message: concat([binary, place.wrap(bad)]) },
      what: `${place.name} = 0x${Buffer.from(bad).toString("hex")}`,
    }));
}

/** The string fields of a request whose value {@link hugeString} can set. */
function textFields(schema: DescMessage): DescField[] {
  return schema.fields.filter(
    (f) =>
      (f.fieldKind === "scalar" && f.scalar === ScalarType.STRING) ||
      (f.fieldKind === "list" && f.listKind === "scalar" && f.scalar === ScalarType.STRING) ||
      (f.fieldKind === "map" && f.mapKey === ScalarType.STRING),
  );
}

/**
 * Requests with one string far over any limit Guardian documents for text (names, keys,
 * descriptions, messages, tokens), yet under the request size limit. Undefined for a request
 * type without string fields.
 */
function hugeString(method: DescMethod): fc.Arbitrary<BadRequest> | undefined {
  const fields = textFields(method.input);
  if (fields.length === 0) return undefined;
  const build = baseRequest(method)!;
  return fc
    .record({
      wire: anyWire,
      field: fc.constantFrom(...fields),
      char: fc.constantFrom("a", "é", "😀"),
      length: fc.constantFrom(4_097, 70_000, 200_000),
    })
    .map(({ wire, field, char, length }) => {
      const text = char.repeat(length);
      const init: Record<string, unknown> = { ...build() };
      if (field.fieldKind === "list") init[field.localName] = [text];
      else if (field.fieldKind === "map") init[field.localName] = { [text]: "v" };
      else if (field.oneof) init[field.oneof.localName] = { case: field.localName, value: text };
      else init[field.localName] = text;
      const message = create(method.input, init);
      const body: RawBody =
        wire === "connect+json"
          ? jsonBody(toJson(method.input, message))
          : { message: toBinary(method.input, message) };
      return { wire, body, what: `${field.name} = ${length} × ${char}` };
    });
}

function nested(depth: number, kind: "array" | "object"): string {
  const [open, close] = kind === "array" ? ["[", "]"] : ['{"a":', "}"];
  return `${open.repeat(depth)}1${close.repeat(depth)}`;
}

/**
 * Requests holding JSON nested thousands deep: in a google.protobuf.Value or Struct field
 * (JSON and binary), else in place of a field's value or of the whole body.
 */
function deepNesting(method: DescMethod): fc.Arbitrary<BadRequest> {
  const schema = method.input;
  const { json, binary } = base(method);
  const docs = schema.fields.filter(
    (f) => isWkt(f, "google.protobuf.Value") || isWkt(f, "google.protobuf.Struct"),
  );
  const target = docs[0] ?? schema.fields[0];
  const depth = fc.integer({ min: 200, max: 5_000 });
  const kind = fc.constantFrom<"array" | "object">("array", "object");
  const asJson = fc.record({ depth, kind }).map(({ depth, kind }): BadRequest => {
    // Outside a JSON document, connect-es skips an unknown member ({"a": ...}): nest arrays.
    const deep =
      !target || docs.length === 0
        ? "array"
        : isWkt(target, "google.protobuf.Struct")
          ? "object"
          : kind;
    const text = target
      ? JSON.stringify({ ...json, [target.jsonName]: "@" }).replace('"@"', nested(depth, deep))
      : nested(depth, deep);
    return {
      wire: "connect+json",
      body: { message: utf8.encode(text) },
      what: `${target?.name ?? "body"} nested ${depth} deep (${deep})`,
    };
  });
  if (!target || docs.length === 0) return asJson;
  const asBinary = fc.record({ wire: binaryWire, depth }).map(({ wire, depth }): BadRequest => {
    const value = deepValue(depth);
    const payload = isWkt(target, "google.protobuf.Struct")
      ? lengthDelimited(
          1,
          concat([lengthDelimited(1, utf8.encode("a")), lengthDelimited(2, value)]),
        )
      : value;
    return {
      wire,
      body: { message: concat([binary, lengthDelimited(target.number, payload)]) },
      what: `${target.name} nested ${depth} deep (binary)`,
    };
  });
  return fc.oneof(asJson, asBinary);
}

/**
 * The generator of bad requests of one class for one RPC, or undefined when the class does
 * not apply to the RPC's request type (no string field to corrupt or enlarge).
 */
export function badRequests(
  method: DescMethod,
  inputClass: InputClass,
  maxRequestBytes: number,
): fc.Arbitrary<BadRequest> | undefined {
  switch (inputClass) {
    case "wrong-type":
      return wrongType(method);
    case "random-bytes":
      return randomBytes(method);
    case "invalid-utf8":
      return invalidUtf8(method);
    case "huge-string":
      return hugeString(method);
    case "deep-nesting":
      return deepNesting(method);
    case "oversized":
      return oversized(method, maxRequestBytes);
  }
}
