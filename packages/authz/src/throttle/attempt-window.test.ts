import { describe, expect, it } from "vitest";
import { createAttemptWindow } from "./attempt-window.js";

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("attempt window", () => {
  it("counts up to the limit, then refuses without counting, until the oldest attempt ages out", () => {
    const c = clock();
    const w = createAttemptWindow({ max: 3, windowMs: 60_000, now: c.now });
    expect(w.take("a")).toBeUndefined();
    c.advance(10_000);
    expect([w.take("a"), w.take("a")]).toEqual([undefined, undefined]);
    c.advance(10_000);
    expect(w.take("a")).toEqual({ count: 3, retryAfterMs: 40_000 });
    c.advance(40_000);
    expect(w.take("a")).toBeUndefined();
    expect(w.exhausted("a")).toEqual({ count: 3, retryAfterMs: 10_000 });
    w.reset("a");
    expect(w.exhausted("a")).toBeUndefined();
  });

  it("stays bounded under a flood of keys and keeps a locked key that is still tried", () => {
    const c = clock();
    const w = createAttemptWindow({ max: 2, windowMs: 60_000, maxKeys: 100, now: c.now });
    w.take("victim");
    w.take("victim");
    for (let i = 0; i < 10_000; i++) {
      w.take(`flood-${i}`);
      if (i % 50 === 0) expect(w.take("victim")).toBeDefined();
      expect(w.size).toBeLessThanOrEqual(100);
    }
    expect(w.exhausted("victim")).toMatchObject({ count: 2 });
    // The oldest idle keys went first, one at a time; the newest are all still there.
    expect(w.exhausted("flood-9999")).toBeUndefined();
    w.add("flood-9999");
    expect(w.exhausted("flood-9999")).toMatchObject({ count: 2 });
  });
});
