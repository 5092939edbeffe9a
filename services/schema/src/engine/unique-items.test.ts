import { describe, expect, it } from "vitest";
import { compileCandidate } from "./compile.js";
import { firstDuplicate } from "./unique-items.js";

describe("firstDuplicate", () => {
  it("compares items as JSON: key order does not matter, types do", () => {
    expect(firstDuplicate([{ a: 1, b: [1, { c: 2 }] }, 1, { b: [1, { c: 2 }], a: 1 }])).toEqual([
      0, 2,
    ]);
    expect(firstDuplicate([1, "1", [1], { "1": 1 }, null, true, "true"])).toBeUndefined();
    expect(firstDuplicate([0, -0])).toEqual([0, 1]);
    expect(firstDuplicate([{ a: [1, 2] }, { a: [2, 1] }])).toBeUndefined();
    expect(firstDuplicate([])).toBeUndefined();
  });

  it("names the earliest pair whose later item repeats", () => {
    expect(firstDuplicate(["x", "y", "z", "y", "x"])).toEqual([1, 3]);
  });
});

describe("uniqueItems", () => {
  const schema = { type: "object", properties: { list: { type: "array", uniqueItems: true } } };

  it("reports a duplicate at the later item, with ajv's message", () => {
    const c = compileCandidate(schema);
    expect(c.validate({ list: [1, { a: 1, b: 2 }, 3, { b: 2, a: 1 }] })).toEqual([
      {
        pointer: "/list/3",
        keyword: "uniqueItems",
        message: "must NOT have duplicate items (items ## 1 and 3 are identical)",
        schemaPointer: "/properties/list/uniqueItems",
      },
    ]);
  });

  it("checks 20,000 distinct objects in linear time", () => {
    const list = Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `item-${i}` }));
    const c = compileCandidate(schema);
    expect(c.validate({ list })).toEqual([]);
    expect(c.validate({ list: [...list, { name: "item-7", id: 7 }] })).toMatchObject([
      { pointer: "/list/20000", keyword: "uniqueItems" },
    ]);
  });

  it("reads each item a bounded number of times, never comparing items pairwise", () => {
    let reads = 0;
    const count: ProxyHandler<object> = {
      get: (target, key, receiver) => {
        reads += 1;
        return Reflect.get(target, key, receiver) as unknown;
      },
    };
    const list = Array.from(
      { length: 2_000 },
      (_, i) => new Proxy({ id: i, name: `item-${i}`, tags: ["a", "b"] }, count),
    );
    expect(compileCandidate(schema).validate({ list })).toEqual([]);
    // A pairwise check reads every item about 2,000 times; a linear one a few times.
    expect(reads / list.length).toBeLessThan(20);
  });

  it("allows duplicates when false, and works in draft-07 and in the meta-schema", () => {
    const allowed = compileCandidate({ type: "array", uniqueItems: false });
    expect(allowed.validate([1, 1])).toEqual([]);
    const d7 = compileCandidate({
      $schema: "http://json-schema.org/draft-07/schema#",
      uniqueItems: true,
    });
    expect(d7.validate(["a", "a"])).toHaveLength(1);
    // The meta-schema declares `required` unique: a caller's long list is checked linearly too.
    const names = Array.from({ length: 20_000 }, (_, i) => `p${i}`);
    expect(() => compileCandidate({ type: "object", required: [...names, "p1"] })).toThrow(
      /\/required\/20000: must NOT have duplicate items/,
    );
  });
});
