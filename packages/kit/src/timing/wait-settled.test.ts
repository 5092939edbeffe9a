import { ReactionCountingPromise } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import { waitSettled } from "./wait-settled.js";

function pending<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const p = new ReactionCountingPromise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { p, resolve, reject };
}

describe("waitSettled", () => {
  it("adds one reaction to a promise however many waits time out on it", async () => {
    const { p, resolve } = pending<string>();
    for (let i = 0; i < 100; i++) {
      expect(await waitSettled(p, { timeoutMs: 0 })).toEqual({ settled: false, reason: "timeout" });
    }
    const aborted = new AbortController();
    const waiting = waitSettled(p, { signal: aborted.signal });
    aborted.abort();
    expect(await waiting).toEqual({ settled: false, reason: "aborted" });
    const later = waitSettled(p, { timeoutMs: 5_000 });
    resolve("ready");
    expect(await later).toEqual({ settled: true, value: "ready" });
    expect(await waitSettled(p)).toEqual({ settled: true, value: "ready" });
    expect(p.reactions).toBe(1);
  });

  it("rejects every wait with the promise's error", async () => {
    const { p, reject } = pending<string>();
    const first = waitSettled(p, { timeoutMs: 5_000 });
    reject(new Error("store gone"));
    await expect(first).rejects.toThrow("store gone");
    await expect(waitSettled(p)).rejects.toThrow("store gone");
  });

  it("answers aborted at once for a signal already aborted", async () => {
    const { p } = pending<void>();
    expect(await waitSettled(p, { signal: AbortSignal.abort() })).toEqual({
      settled: false,
      reason: "aborted",
    });
  });
});
