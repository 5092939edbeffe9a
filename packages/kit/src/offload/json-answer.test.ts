import { create, fromJson, toJsonString, type JsonValue } from "@bufbuild/protobuf";
import { StructSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { jsonAnswerText, jsonAnswerValue } from "./json-answer.js";

/** Documents whose JSON a Value round trip could change: numbers, escapes, keys, nesting. */
const documents: JsonValue[] = [
  null,
  true,
  0,
  -0,
  1e21,
  1.5e-7,
  9007199254740993,
  "",
  'quote " backslash \\ control \u0001 line\u2028 é😀',
  [],
  {},
  { "10": 1, "2": 2, b: 3, a: [null, { "": "" }], "": {} },
  Array.from({ length: 500 }, (_, i) => ({ id: i, name: `n${i}`, on: i % 3 === 0 })),
];

describe("jsonAnswerValue", () => {
  it.each(documents.map((d) => [JSON.stringify(d).slice(0, 40), d] as const))(
    "writes %s in JSON exactly as the full Value does",
    (_, doc) => {
      const text = JSON.stringify(doc);
      const full = fromJson(ValueSchema, doc);
      expect(toJsonString(ValueSchema, jsonAnswerValue(text))).toBe(
        toJsonString(ValueSchema, full),
      );
      // Inside a message, as answers carry it.
      const inStruct = (value: typeof full) =>
        create(StructSchema, { fields: { content: value, other: fromJson(ValueSchema, 1) } });
      expect(toJsonString(StructSchema, inStruct(jsonAnswerValue(text)))).toBe(
        toJsonString(StructSchema, inStruct(full)),
      );
    },
  );

  it("parses its text once, however often it is written", () => {
    const value = jsonAnswerValue('{"a":[1,2]}');
    const parse = JSON.parse;
    let parses = 0;
    JSON.parse = (...args: Parameters<typeof JSON.parse>) => {
      parses++;
      return parse(...args) as unknown;
    };
    try {
      for (let i = 0; i < 3; i++) expect(toJsonString(ValueSchema, value)).toBe('{"a":[1,2]}');
    } finally {
      JSON.parse = parse;
    }
    expect(parses).toBe(1);
    expect(jsonAnswerText(value)).toBe('{"a":[1,2]}');
    expect(jsonAnswerText(fromJson(ValueSchema, 1))).toBeUndefined();
  });
});
