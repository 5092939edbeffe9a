import { describe, expect, it } from "vitest";
import { formatChange, jsonChanges } from "./json-changes.js";

describe("jsonChanges", () => {
  it("finds nothing between equal documents", () => {
    expect(jsonChanges({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toEqual([]);
  });

  it("names added, removed and replaced members by JSON pointer, escaping ~ and /", () => {
    expect(jsonChanges({ a: 1, "x/y": 2, keep: true }, { a: 3, keep: true, "m~n": {} })).toEqual([
      { op: "replace", path: "/a", value: 3 },
      { op: "remove", path: "/x~1y" },
      { op: "add", path: "/m~0n", value: {} },
    ]);
  });

  it("removes extra array elements from the end first, so the list applies as a patch", () => {
    expect(jsonChanges([1, 2, 3, 4], [1, 5])).toEqual([
      { op: "replace", path: "/1", value: 5 },
      { op: "remove", path: "/3" },
      { op: "remove", path: "/2" },
    ]);
    expect(jsonChanges({ l: [1] }, { l: [1, [2]] })).toEqual([
      { op: "add", path: "/l/1", value: [2] },
    ]);
  });

  it("replaces the whole document when its type changes", () => {
    expect(jsonChanges({ a: 1 }, [1])).toEqual([{ op: "replace", path: "", value: [1] }]);
    expect(jsonChanges(null, 0)).toEqual([{ op: "replace", path: "", value: 0 }]);
  });
});

describe("formatChange", () => {
  it("writes one line per change with the value as compact JSON", () => {
    expect(formatChange({ op: "add", path: "/a", value: { b: [1, 2] } })).toBe('+ /a: {"b":[1,2]}');
    expect(formatChange({ op: "remove", path: "/a/0" })).toBe("- /a/0");
    expect(formatChange({ op: "replace", path: "", value: "x" })).toBe('~ (document): "x"');
    expect(formatChange({ op: "move", path: "/b", from: "/a" })).toBe("move /b from /a");
  });
});
