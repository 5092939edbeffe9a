import { create } from "@bufbuild/protobuf";
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Dialect, FormatMode, SchemaVersionSchema } from "@guardian/api";
import { describe, expect, it } from "vitest";
import { JsonSyntaxError, spanAt, spansOf } from "../web/src/configs/json-positions.js";
import { checkFor } from "../web/src/configs/violations.js";

const version = (
  schema: JsonValue,
  dialect = Dialect.DRAFT_2020_12,
  formatMode = FormatMode.ASSERT,
) =>
  create(SchemaVersionSchema, {
    contentValue: fromJson(ValueSchema, schema),
    dialect,
    formatMode,
  });

describe("the editor's JSON positions", () => {
  const text = '{\n  "replicas": 20,\n  "a/b~": {"x": [1, true]}\n}';

  it("finds each value by JSON pointer: scalars by their text, containers by their name", () => {
    const spans = spansOf(text);
    const at = (pointer: string) => {
      const span = spans.get(pointer);
      return span && text.slice(span.from, span.to);
    };
    expect(at("/replicas")).toBe("20");
    expect(at("/a~1b~0")).toBe('"a/b~"');
    expect(at("/a~1b~0/x/1")).toBe("true");
    expect(at("")).toBe("{");
  });

  it("points a missing member at its nearest existing parent", () => {
    const spans = spansOf(text);
    expect(spanAt(spans, "/a~1b~0/missing")).toEqual(spans.get("/a~1b~0"));
  });

  it("reports where the text stops being JSON", () => {
    expect(() => spansOf('{"a": 1,}')).toThrow(JsonSyntaxError);
    try {
      spansOf('{"a": tru}');
    } catch (err) {
      expect((err as JsonSyntaxError).offset).toBe(6);
    }
    for (const bad of ["", "[1 2]", '{"a" 1}', '"open', "01", "{} x"]) {
      expect(() => spansOf(bad), bad).toThrow(JsonSyntaxError);
    }
  });
});

describe("the browser's schema check", () => {
  const schema = {
    type: "object",
    properties: {
      name: { type: "string" },
      replicas: { type: "integer", maximum: 10 },
      host: { format: "ipv4" },
    },
    required: ["name"],
    additionalProperties: false,
  };

  it("reports each failure once, at the pointer of the failing value", () => {
    const check = checkFor(version(schema));
    const found = check({ replicas: 20, extra: 1 });
    expect(found.map((v) => [v.pointer, v.keyword])).toEqual(
      expect.arrayContaining([
        ["/replicas", "maximum"],
        ["/name", "required"],
        ["/extra", "false"],
      ]),
    );
    expect(found).toHaveLength(3);
    expect(check({ name: "a", replicas: 3 })).toEqual([]);
  });

  it("asserts formats unless the version only annotates them", () => {
    const bad = { name: "a", host: "not an address" };
    expect(
      checkFor(version(schema))
        .call(null, bad)
        .map((v) => v.pointer),
    ).toEqual(["/host"]);
    expect(checkFor(version(schema, Dialect.DRAFT_2020_12, FormatMode.ANNOTATE))(bad)).toEqual([]);
  });

  it("validates draft-07 schemas as draft-07", () => {
    const check = checkFor(
      version(
        { $schema: "http://json-schema.org/draft-07/schema#", items: [{ type: "string" }] },
        Dialect.DRAFT_07,
      ),
    );
    expect(check([1]).map((v) => v.pointer)).toEqual(["/0"]);
  });
});
