import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { refusalOf } from "../testing/refusal.js";
import { compileCandidate, compileStored } from "./compile.js";

/** Backtracking engines take seconds to minutes to fail this input against `^(a+)+$`. */
const evil = `${"a".repeat(30)}b`;

describe("pattern and patternProperties", () => {
  it("match catastrophic patterns in linear time (RE2), with the usual violation", () => {
    const c = compileCandidate({
      type: "object",
      properties: { s: { type: "string", pattern: "^(a+)+$" } },
      patternProperties: { "^(x+x+)+y$": { type: "integer" } },
    });
    expect(c.validate({ s: evil })).toEqual([
      {
        pointer: "/s",
        keyword: "pattern",
        message: 'must match pattern "^(a+)+$"',
        schemaPointer: "/properties/s/pattern",
      },
    ]);
    expect(c.validate({ s: "aaaa", [`${"x".repeat(40)}y`]: "no" })).toMatchObject([
      { pointer: `/${"x".repeat(40)}y`, keyword: "type" },
    ]);
    expect(c.validate({ s: "aaaa", [`${"x".repeat(40)}`]: "ignored" })).toEqual([]);
  });

  it("search the whole string unless anchored, and understand ECMAScript spellings", () => {
    const c = compileCandidate({
      type: "array",
      prefixItems: [
        { pattern: "b" },
        { pattern: "^\\u00e9t\\u00e9$" },
        { pattern: "^(?<word>\\p{L}+)-\\d+$" },
        { pattern: "^a/b$" },
      ],
    });
    expect(c.validate(["abc", "été", "héllo-42", "a/b"])).toEqual([]);
    expect(c.validate(["ac", "ete", "hello-x", "a/c"]).map((v) => v.pointer)).toEqual([
      "/0",
      "/1",
      "/2",
      "/3",
    ]);
  });

  it("refuse backreferences and lookaround with InvalidArgument naming the pattern's pointer", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ properties: { s: { pattern: "^(a)\\1$" } } }, "/properties/s/pattern"],
      [{ items: { pattern: "a(?=b)" } }, "/items/pattern"],
      [{ $defs: { x: { pattern: "(?<!a)b" } } }, "/$defs/x/pattern"],
      [{ patternProperties: { "^(a)\\1/x$": {} } }, "/patternProperties/^(a)\\1~1x$"],
      [{ propertyNames: { pattern: "(?!x)" } }, "/propertyNames/pattern"],
    ];
    for (const [schema, pointer] of cases) {
      const { code, message, violations } = refusalOf(schema);
      expect(code).toBe(Code.InvalidArgument);
      expect(violations.map((v) => v.pointer)).toEqual([pointer]);
      expect(message).toContain(`${pointer}: pattern `);
      expect(message).toContain("RE2 syntax");
    }
  });

  it("match what ECMAScript matches: `.` stops at every line terminator, a class's `.` is a dot", () => {
    const c = compileCandidate({
      type: "array",
      prefixItems: [{ pattern: "^a.b$" }, { pattern: "^[.]$" }],
    });
    for (const terminator of ["\n", "\r", "\u2028", "\u2029"]) {
      const s = `a${terminator}b`;
      expect(new RegExp("^a.b$", "u").test(s)).toBe(false);
      expect(
        c.validate([s, "."]).map((v) => v.pointer),
        JSON.stringify(s),
      ).toEqual(["/0"]);
    }
    expect(c.validate(["a\tb", "."])).toEqual([]);
    expect(c.validate(["a😀b", "x"]).map((v) => v.pointer)).toEqual(["/1"]);
  });

  it("refuse patterns that are not ECMAScript regular expressions, naming the pointer", () => {
    for (const pattern of ["(?i)abc", "[\\d-z]", "\\C", "a{2,1}", "(?P<n>x)", "\\Z"]) {
      const { code, message, violations } = refusalOf({ properties: { s: { pattern } } });
      expect(code, pattern).toBe(Code.InvalidArgument);
      expect(
        violations.map((v) => v.pointer),
        pattern,
      ).toEqual(["/properties/s/pattern"]);
      expect(message, pattern).toContain("is not an ECMAScript regular expression");
    }
  });

  it("leave `const`, `enum` and `default` values alone: they are data, not patterns", () => {
    expect(() =>
      compileCandidate({ properties: { pattern: { const: "(a)\\1" }, x: { default: "(?=x)" } } }),
    ).not.toThrow();
  });

  it("apply to stored schemas too", () => {
    const c = compileStored({ type: "string", pattern: "^(a|aa)+$" }, "draft-07");
    expect(c.validate(evil)).toHaveLength(1);
    expect(c.validate("aaaa")).toEqual([]);
  });
});
