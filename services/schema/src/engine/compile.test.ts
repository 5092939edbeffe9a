import { Code } from "@connectrpc/connect";
import { ValidationFailureSchema } from "@guardian/api";
import { describe, expect, it } from "vitest";
import { compileCandidate, compileStored } from "./compile.js";
import { refusalOf } from "../testing/refusal.js";
import { validationFailedError } from "./violations.js";

function refusal(content: Record<string, unknown>) {
  const refused = refusalOf(content);
  expect(refused.code).toBe(Code.InvalidArgument);
  return refused;
}

const app = {
  type: "object",
  required: ["name"],
  properties: {
    name: { type: "string" },
    port: { type: "integer", maximum: 65535 },
    email: { type: "string", format: "email" },
  },
};

describe("compileCandidate", () => {
  it("treats a document without $schema as draft 2020-12", () => {
    expect(compileCandidate(app).dialect).toBe("draft-2020-12");
  });

  it("accepts draft-07 and draft 2020-12 $schema values, with or without '#'", () => {
    const d7 = { $schema: "http://json-schema.org/draft-07/schema#", ...app };
    expect(compileCandidate(d7).dialect).toBe("draft-07");
    const d7bare = { $schema: "http://json-schema.org/draft-07/schema", ...app };
    expect(compileCandidate(d7bare).dialect).toBe("draft-07");
    const d2020 = { $schema: "https://json-schema.org/draft/2020-12/schema", ...app };
    expect(compileCandidate(d2020).dialect).toBe("draft-2020-12");
  });

  it("refuses any other $schema, pointing at it", () => {
    const { violations } = refusal({ $schema: "http://json-schema.org/draft-04/schema#" });
    expect(violations.map((v) => [v.pointer, v.keyword])).toEqual([["/$schema", "$schema"]]);
  });

  it("reports meta-schema violations with pointers into the schema document", () => {
    const { err, violations } = refusal({
      type: "object",
      properties: { port: { type: "integr", minimum: "1" } },
    });
    expect(err.rawMessage).toMatch(/^invalid content: not a valid JSON Schema \(draft 2020-12\)/);
    const pointers = violations.map((v) => v.pointer);
    expect(pointers).toContain("/properties/port/type");
    expect(pointers).toContain("/properties/port/minimum");
    // Document order: "type" comes before "minimum" in the submitted document.
    expect(pointers.indexOf("/properties/port/type")).toBeLessThan(
      pointers.indexOf("/properties/port/minimum"),
    );
    expect(violations.every((v) => v.schemaPointer !== "")).toBe(true);
  });

  it("accepts unknown keywords and reports them as warnings, pointing at the keyword", () => {
    const compiled = compileCandidate({
      type: "object",
      properties: { port: { type: "integer", maximun: 10 } },
    });
    expect(compiled.warnings).toEqual([
      expect.objectContaining({
        pointer: "/properties/port/maximun",
        keyword: "maximun",
        message: 'unknown keyword "maximun" is ignored',
      }),
    ]);
    expect(compiled.validate({ port: 11 })).toEqual([]);
  });

  it("refuses references outside the document, naming the $ref, and never fetches them", () => {
    const { violations } = refusal({
      type: "object",
      properties: { a: { $ref: "https://example.com/other.json" }, b: { $ref: "#/$defs/b" } },
      $defs: { b: { type: "string" } },
    });
    expect(violations.map((v) => [v.pointer, v.keyword])).toEqual([["/properties/a/$ref", "$ref"]]);
    expect(violations[0]?.message).toContain("schemas are never fetched");
  });

  it("reads data keywords as data: a $ref inside const or a property named $ref is fine", () => {
    const compiled = compileCandidate({
      type: "object",
      properties: { $ref: { type: "string" } },
      default: { $ref: "https://example.com/not-a-reference" },
    });
    expect(compiled.validate({ $ref: 1 })).toHaveLength(1);
  });

  it("points at a local reference that cannot be resolved", () => {
    const { violations } = refusal({ properties: { a: { $ref: "#/$defs/missing" } } });
    expect(violations).toEqual([
      expect.objectContaining({ pointer: "/properties/a/$ref", keyword: "$ref" }),
    ]);
  });

  it("accepts unknown formats without checking them, with a warning", () => {
    const compiled = compileCandidate({ type: "string", format: "postcode" });
    expect(compiled.warnings.map((v) => [v.pointer, v.keyword])).toEqual([["/format", "format"]]);
    expect(compiled.validate("anything")).toEqual([]);
  });

  it("accepts $anchor references in draft 2020-12", () => {
    const compiled = compileCandidate({
      $defs: { port: { $anchor: "port", type: "integer" } },
      properties: { port: { $ref: "#port" } },
    });
    expect(compiled.validate({ port: "x" })).toEqual([
      expect.objectContaining({ pointer: "/port", keyword: "type" }),
    ]);
  });

  it("validates draft-07 keywords such as tuple items and dependencies", () => {
    const compiled = compileCandidate({
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      properties: { pair: { type: "array", items: [{ type: "string" }, { type: "integer" }] } },
      dependencies: { a: ["b"] },
    });
    const violations = compiled.validate({ pair: ["x", "y"], a: 1 });
    // A missing property sorts with its parent object, before the object's members.
    expect(violations.map((v) => [v.pointer, v.keyword])).toEqual([
      ["/b", "dependencies"],
      ["/pair/1", "type"],
    ]);
  });
});

describe("schemas Guardian cannot evaluate", () => {
  // Each resource declares "x" and the root does not: from "a", "#x" is a's own anchor, the
  // same schema again, for every value.
  const dynamicLoop = {
    $id: "https://example.com/base",
    $ref: "a",
    $defs: {
      a: { $id: "a", $dynamicAnchor: "x", $dynamicRef: "#x" },
      b: { $id: "b", $dynamicAnchor: "x" },
    },
  };

  it("refuses references that only lead to each other", () => {
    const { violations } = refusal({
      $defs: { a: { $ref: "#/$defs/b" }, b: { $ref: "#/$defs/a" } },
      $ref: "#/$defs/a",
    });
    expect(violations).toEqual([
      expect.objectContaining({
        keyword: "$ref",
        message: expect.stringContaining("recurse without end") as string,
      }),
    ]);
  });

  it("refuses a schema whose validator recurses without end, before anything depends on it", () => {
    const { violations } = refusal(dynamicLoop);
    expect(violations).toEqual([
      expect.objectContaining({
        pointer: "/$defs/a/$dynamicRef",
        keyword: "$dynamicRef",
        message: expect.stringContaining("recurses without end") as string,
      }),
    ]);
  });

  it("never lets such a stored schema pass a document", () => {
    const stored = compileStored(dynamicLoop, "draft-2020-12");
    expect(() => stored.validate({ a: 1 })).toThrow(RangeError);
  });
  it("refuses a schema with too many ways from an unevaluatedItems to a contains", () => {
    // Each level doubles the routes: 2^11 ways, each with its own conditions, reach the leaf.
    const $defs: Record<string, unknown> = { l11: { contains: { const: 1 } } };
    for (let i = 0; i < 11; i++) {
      $defs[`l${i}`] = { anyOf: [{ $ref: `#/$defs/l${i + 1}` }, { $ref: `#/$defs/l${i + 1}` }] };
    }
    expect(() => compileCandidate({ $defs, $ref: "#/$defs/l0", unevaluatedItems: false })).toThrow(
      /more than 1000 ways/,
    );
    const shallow = compileCandidate({ $defs, $ref: "#/$defs/l5", unevaluatedItems: false });
    expect(shallow.validate([1, 1])).toEqual([]);
    expect(shallow.validate([1, 2])).toHaveLength(1);
  });
});

describe("warnings", () => {
  it("name draft-07 keywords ignored beside $ref and keywords without their sibling", () => {
    const compiled = compileCandidate({
      $schema: "http://json-schema.org/draft-07/schema#",
      definitions: { n: { type: "integer" } },
      properties: { a: { $ref: "#/definitions/n", maximum: 3 } },
      items: { type: "string" },
      additionalItems: false,
      else: true,
    });
    expect(compiled.warnings.map((w) => [w.pointer, w.keyword])).toEqual([
      ["/properties/a/maximum", "maximum"],
      ["/additionalItems", "additionalItems"],
      ["/else", "else"],
    ]);
  });

  it("say each thing once: an `if` alone, and a keyword the dialect does not know", () => {
    const messages = (schema: Record<string, unknown>) =>
      compileCandidate(schema).warnings.map((w) => `${w.pointer}: ${w.message}`);
    expect(messages({ if: { type: "string" } })).toEqual([
      '/if: "if" without "then" or "else" constrains nothing',
    ]);
    const d7 = "http://json-schema.org/draft-07/schema#";
    expect(messages({ $schema: d7, minContains: 1 })).toEqual([
      '/minContains: unknown keyword "minContains" is ignored',
    ]);
    expect(messages({ minContains: 1 })).toEqual([
      '/minContains: "minContains" without "contains" is ignored',
    ]);
  });

  it("do not call the root's $schema ignored beside $ref: it chooses the dialect", () => {
    const d7 = "http://json-schema.org/draft-07/schema#";
    const compiled = compileCandidate({
      $schema: d7,
      $ref: "#/definitions/n",
      definitions: { n: { type: "integer", $ref: "#/definitions/m", $schema: d7 }, m: {} },
    });
    expect(compiled.dialect).toBe("draft-07");
    expect(compiled.warnings.map((w) => w.pointer)).toEqual([
      "/definitions/n/type",
      "/definitions/n/$schema",
    ]);
  });
});

describe("validate", () => {
  const compiled = compileCandidate(app);

  it("returns nothing for a valid document", () => {
    expect(compiled.validate({ name: "api", port: 8080 })).toEqual([]);
  });

  it("points required violations at the missing property and orders by document", () => {
    const violations = compiled.validate({ email: "nope", port: 70000 });
    expect(violations).toEqual([
      {
        pointer: "/name",
        keyword: "required",
        message: "must have required property 'name'",
        schemaPointer: "/required",
      },
      expect.objectContaining({ pointer: "/email", keyword: "format" }),
      {
        pointer: "/port",
        keyword: "maximum",
        message: "must be <= 65535",
        schemaPointer: "/properties/port/maximum",
      },
    ]);
  });

  it("escapes pointer tokens as RFC 6901 says", () => {
    const c = compileStored(
      { type: "object", properties: { "a/b": { type: "string" }, "c~d": { type: "string" } } },
      "draft-2020-12",
    );
    expect(c.validate({ "a/b": 1, "c~d": 2 }).map((v) => [v.pointer, v.schemaPointer])).toEqual([
      ["/a~1b", "/properties/a~1b/type"],
      ["/c~0d", "/properties/c~0d/type"],
    ]);
  });
});

describe("validationFailedError", () => {
  it("summarises the first violation and counts the rest, as a floor once the list was cut", () => {
    const violations = Array.from({ length: 103 }, (_, i) => ({
      pointer: `/items/${i}`,
      message: "must be <= 65535",
      keyword: "maximum",
      schemaPointer: "/properties/items/items/maximum",
    }));
    const err = validationFailedError(violations, 'schema "app" v2');
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toBe(
      'content does not match schema "app" v2: /items/0: must be <= 65535 (and at least 100 more)',
    );
    const [failure] = err.findDetails(ValidationFailureSchema);
    expect(failure?.violations).toHaveLength(100);
    expect(failure?.truncated).toBe(true);
    expect(validationFailedError(violations.slice(0, 3), "it").rawMessage).toBe(
      "content does not match it: /items/0: must be <= 65535 (and 2 more)",
    );
  });
});
