import { describe, expect, it } from "vitest";
import { findLostWrites } from "./lost-writes.js";

const history = new Map([
  [
    "k",
    [
      { revision: 3n, value: "init" },
      { revision: 5n, value: "a" },
      { revision: 8n, value: "b" },
    ],
  ],
]);

describe("findLostWrites", () => {
  it("finds nothing when every acknowledged write is in the history once", () => {
    const acked = [
      { partition: "k", value: "a", version: 5n },
      { partition: "k", value: "b", version: 8n },
    ];
    expect(findLostWrites(acked, history)).toEqual([]);
  });

  it("reports an acknowledged write missing from the history", () => {
    expect(findLostWrites([{ partition: "k", value: "c", version: 9n }], history)).toEqual([
      'k: acknowledged write of "c" at v9 is missing from the history',
    ]);
  });

  it("reports an acknowledged version that holds another value", () => {
    expect(findLostWrites([{ partition: "k", value: "c", version: 8n }], history)).toEqual([
      'k: acknowledged write of "c" at v8: the history has "b" at that revision',
    ]);
  });

  it("reports a value applied twice and a revision listed twice", () => {
    const doubled = new Map([
      [
        "k",
        [
          { revision: 5n, value: "a" },
          { revision: 5n, value: "a" },
          { revision: 7n, value: "b" },
          { revision: 9n, value: "b" },
        ],
      ],
    ]);
    expect(findLostWrites([], doubled)).toEqual([
      "k: revision 5 appears 2 times",
      'k: value "a" was applied 2 times (v5, v5)',
      'k: value "b" was applied 2 times (v7, v9)',
    ]);
  });
});
