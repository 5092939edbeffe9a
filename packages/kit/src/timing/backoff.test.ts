import { describe, expect, it } from "vitest";
import { createBackoff, sleep } from "./backoff.js";

describe("backoff", () => {
  it("draws each delay uniformly below a ceiling that doubles up to the maximum", () => {
    const top = createBackoff({ initialMs: 100, maxMs: 1_000, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5, 6].map(() => top.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    const bottom = createBackoff({ initialMs: 100, maxMs: 1_000, random: () => 0 });
    expect([1, 2, 3].map(() => bottom.next())).toEqual([0, 0, 0]);
  });

  it("starts over after reset", () => {
    const b = createBackoff({ initialMs: 50, maxMs: 5_000, random: () => 0.999999 });
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(50);
  });

  it("spreads the delays of clients that failed together", () => {
    const delays = new Set(
      Array.from({ length: 20 }, () => createBackoff({ initialMs: 1_000, maxMs: 1_000 }).next()),
    );
    expect(delays.size).toBeGreaterThan(10);
  });
});

describe("sleep", () => {
  it("wakes early, without rejecting, when its signal aborts", async () => {
    const stop = new AbortController();
    const slept = sleep(60_000, stop.signal);
    stop.abort();
    await expect(slept).resolves.toBeUndefined();
    await expect(sleep(60_000, stop.signal)).resolves.toBeUndefined();
  });

  it("waits the time it is given", async () => {
    const start = performance.now();
    await sleep(20);
    expect(performance.now() - start).toBeGreaterThanOrEqual(15);
  });
});
