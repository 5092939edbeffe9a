import { ReactionCountingPromise } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import { keepaliveTick, withKeepalives } from "./keepalive.js";

/** A source that never yields: every next() stays pending (`nexts` keeps them). */
const nexts: ReactionCountingPromise<IteratorResult<number>>[] = [];
const silent: AsyncIterable<number> = {
  [Symbol.asyncIterator]: () => ({
    next: () => {
      const next = new ReactionCountingPromise<IteratorResult<number>>(() => {});
      nexts.push(next);
      return next;
    },
    return: async () => ({ done: true, value: undefined }),
  }),
};

describe("withKeepalives", () => {
  it("adds nothing to the pending next() of a quiet source per keepalive", async () => {
    nexts.length = 0;
    const it = withKeepalives(silent, 1);
    for (let i = 0; i < 50; i++) expect((await it.next()).value).toBe(keepaliveTick);
    await it.return(undefined);
    // One reaction for the one next() in flight, not one per tick.
    expect(nexts).toHaveLength(1);
    expect(nexts[0]!.reactions).toBe(1);
  });

  it("passes values, ticks while quiet, and ends with its source", async () => {
    async function* source() {
      yield 1;
      await new Promise((r) => setTimeout(r, 30));
      yield 2;
    }
    const got: unknown[] = [];
    for await (const v of withKeepalives(source(), 5)) got.push(v);
    expect(got[0]).toBe(1);
    expect(got.at(-1)).toBe(2);
    expect(got.filter((v) => v === keepaliveTick).length).toBeGreaterThan(0);
  });

  it("fails with its source", async () => {
    async function* source(): AsyncGenerator<number> {
      yield 1;
      throw new Error("backend gone");
    }
    const got: unknown[] = [];
    const run = async () => {
      for await (const v of withKeepalives(source(), 1_000)) got.push(v);
    };
    await expect(run()).rejects.toThrow("backend gone");
    expect(got).toEqual([1]);
  });
});
