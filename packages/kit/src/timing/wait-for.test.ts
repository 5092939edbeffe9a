import { describe, expect, it } from "vitest";
import { waitFor } from "./wait-for.js";

/** A promise that counts the reactions added to it (derived promises are plain ones). */
class Counted<T> extends Promise<T> {
  reactions = 0;
  static override get [Symbol.species]() {
    return Promise;
  }
  override then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.reactions++;
    return super.then(onFulfilled, onRejected);
  }
}

function pending<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const p = new Counted<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { p, resolve, reject };
}

describe("waitFor", () => {
  it("adds one reaction to a promise however many waits time out on it", async () => {
    const { p, resolve } = pending<string>();
    for (let i = 0; i < 100; i++) {
      expect(await waitFor(p, { timeoutMs: 0 })).toEqual({ settled: false, reason: "timeout" });
    }
    const aborted = new AbortController();
    const waiting = waitFor(p, { signal: aborted.signal });
    aborted.abort();
    expect(await waiting).toEqual({ settled: false, reason: "aborted" });
    const later = waitFor(p, { timeoutMs: 5_000 });
    resolve("ready");
    expect(await later).toEqual({ settled: true, value: "ready" });
    expect(await waitFor(p)).toEqual({ settled: true, value: "ready" });
    expect(p.reactions).toBe(1);
  });

  it("rejects every wait with the promise's error", async () => {
    const { p, reject } = pending<string>();
    const first = waitFor(p, { timeoutMs: 5_000 });
    reject(new Error("store gone"));
    await expect(first).rejects.toThrow("store gone");
    await expect(waitFor(p)).rejects.toThrow("store gone");
  });

  it("answers aborted at once for a signal already aborted", async () => {
    const { p } = pending<void>();
    expect(await waitFor(p, { signal: AbortSignal.abort() })).toEqual({
      settled: false,
      reason: "aborted",
    });
  });
});
