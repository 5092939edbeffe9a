import { describe, expect, it } from "vitest";
import { createEpochMemo } from "./epoch-memo.js";

describe("epoch memo", () => {
  it("runs once per key and epoch, and again for a newer epoch", async () => {
    const memo = createEpochMemo<number>();
    let runs = 0;
    const run = () => Promise.resolve(++runs);
    const same = await Promise.all([memo.get(1n, "a", run), memo.get(1n, "a", run)]);
    expect(same).toEqual([1, 1]);
    expect(await memo.get(1n, "b", run)).toBe(2);
    expect(await memo.get(2n, "a", run)).toBe(3);
    // A reader of an older epoch never gets a result started for it after a newer one.
    expect(await memo.get(1n, "a", run)).toBe(4);
    expect(await memo.get(2n, "a", run)).toBe(3);
  });

  it("does not hand a failure to later readers", async () => {
    const memo = createEpochMemo<number>();
    await expect(memo.get(1n, "a", () => Promise.reject(new Error("down")))).rejects.toThrow(
      "down",
    );
    expect(await memo.get(1n, "a", () => Promise.resolve(7))).toBe(7);
  });
});
