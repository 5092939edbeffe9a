import { describe, expect, it } from "vitest";
import { createUsageRecorder } from "./usage.js";

function recorder(fail = false) {
  const clock = { ms: 1_000 };
  const writes: string[][] = [];
  const errors: unknown[] = [];
  const usage = createUsageRecorder({
    write: (ids) => {
      writes.push([...ids]);
      return fail ? Promise.reject(new Error("database gone")) : Promise.resolve();
    },
    delayMs: 5,
    onError: (err) => errors.push(err),
    now: () => clock.ms,
  });
  return { usage, clock, writes, errors };
}

describe("usage recorder", () => {
  it("writes the ids used meanwhile in one statement, shortly after the first use", async () => {
    const { usage, writes } = recorder();
    for (let i = 0; i < 50; i++) usage.record(i % 2 === 0 ? "a" : "b");
    expect(writes).toEqual([]);
    await new Promise((r) => setTimeout(r, 30));
    expect(writes).toEqual([["a", "b"]]);
  });

  it("writes an id at most once a minute", async () => {
    const { usage, clock, writes } = recorder();
    usage.record("a");
    await usage.close();
    clock.ms = 60_000;
    usage.record("a");
    await usage.close();
    expect(writes).toEqual([["a"]]);
    clock.ms = 61_001;
    usage.record("a");
    await usage.close();
    expect(writes).toEqual([["a"], ["a"]]);
  });

  it("reports a failed write and records the next use again", async () => {
    const { usage, writes, errors } = recorder(true);
    usage.record("a");
    await usage.close();
    expect(errors).toHaveLength(1);
    usage.record("a");
    await usage.close();
    expect(writes).toEqual([["a"], ["a"]]);
  });
});
