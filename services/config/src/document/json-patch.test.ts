import { describe, expect, it } from "vitest";
import { applyPatch, diffJson, escapeToken, jsonEqual, unescapeToken } from "./json-patch.js";

const cases: Array<[string, unknown, unknown]> = [
  ["equal documents", { a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }],
  ["a changed scalar member", { a: 1 }, { a: 2 }],
  ["added and removed members", { a: 1, b: 2 }, { b: 2, c: { d: true } }],
  ["a nested change", { x: { y: { z: "old", keep: 1 } } }, { x: { y: { z: "new", keep: 1 } } }],
  ["an array that grows", [1, 2], [1, 2, 3, { four: 4 }]],
  ["an array that shrinks", [1, 2, 3, 4], [1]],
  ["an array with changed items", [{ a: 1 }, "b"], [{ a: 2 }, "c"]],
  ["a type change", { a: [1] }, { a: { 0: 1 } }],
  ["null to a document (a creation)", null, { a: 1 }],
  ["a document to null (a deletion)", { a: 1 }, null],
  [
    "member names with ~ and /",
    { "a/b": 1, "c~d": { "~/": 2 } },
    { "a/b": 3, "c~d": { "~/": 4 }, "e/~f": 5 },
  ],
  ["an empty member name", { "": 1 }, { "": 2 }],
  [
    "a member named __proto__",
    JSON.parse('{"__proto__": 1}'),
    JSON.parse('{"__proto__": 2, "x": 1}'),
  ],
];

describe("diffJson", () => {
  it.each(cases)("produces a patch that turns from into to: %s", (_name, from, to) => {
    const ops = diffJson(from, to);
    expect(jsonEqual(applyPatch(from, ops), to)).toBe(true);
    if (jsonEqual(from, to)) expect(ops).toEqual([]);
  });

  it("uses only add, remove and replace, with escaped pointers", () => {
    expect(diffJson({ "a/b": 1, "c~d": 1 }, { "a/b": 2 })).toEqual([
      { op: "remove", path: "/c~0d" },
      { op: "replace", path: "/a~1b", value: 2 },
    ]);
    expect(diffJson([1, 2, 3], [1])).toEqual([
      { op: "remove", path: "/2" },
      { op: "remove", path: "/1" },
    ]);
    expect(diffJson(null, { a: 1 })).toEqual([{ op: "replace", path: "", value: { a: 1 } }]);
  });

  it("diffs documents with hundreds of thousands of changes at any depth", () => {
    // Configs go up to 1 MiB: an array of 300,000 small numbers fits, and so does one nested.
    const n = 300_000;
    const from = { a: { b: Array<number>(n).fill(0) }, c: [Array<number>(n).fill(0)] };
    const to = { a: { b: Array<number>(n).fill(1) }, c: [Array<number>(n).fill(1)] };
    const ops = diffJson(from, to);
    expect(ops).toHaveLength(2 * n);
    expect(ops[0]).toEqual({ op: "replace", path: "/a/b/0", value: 1 });
    expect(ops[2 * n - 1]).toEqual({ op: "replace", path: `/c/0/${n - 1}`, value: 1 });
    const wide = Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    expect(diffJson({ x: {} }, { x: wide })).toHaveLength(n);
    expect(diffJson({ x: wide }, { x: wide })).toEqual([]);
  });

  it("does not change its inputs", () => {
    const from = { a: [1, { b: 2 }] };
    const to = { a: [1, { b: 3 }, 4] };
    applyPatch(from, diffJson(from, to));
    expect(from).toEqual({ a: [1, { b: 2 }] });
  });
});

describe("applyPatch", () => {
  it("refuses to replace or remove a member that does not exist", () => {
    expect(() => applyPatch({}, [{ op: "replace", path: "/a", value: 1 }])).toThrow(
      /does not exist/,
    );
    expect(() => applyPatch([1], [{ op: "remove", path: "/1" }])).toThrow(/does not exist/);
    expect(() => applyPatch({}, [{ op: "add", path: "/a/b", value: 1 }])).toThrow(/does not exist/);
  });

  it("appends with '-' and inserts by index", () => {
    expect(
      applyPatch(
        [1, 3],
        [
          { op: "add", path: "/1", value: 2 },
          { op: "add", path: "/-", value: 4 },
        ],
      ),
    ).toEqual([1, 2, 3, 4]);
  });
});

describe("JSON pointer tokens", () => {
  it("round-trips ~ and / through escaping", () => {
    for (const t of ["a/b", "~1", "~0/~", ""]) expect(unescapeToken(escapeToken(t))).toBe(t);
    expect(escapeToken("~/")).toBe("~0~1");
  });
});
