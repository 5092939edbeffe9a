import { describe, expect, it } from "vitest";
import { describeBackendContract } from "./contract.js";
import { createMemoryBackend } from "./memory.js";

describeBackendContract("memory", () => {
  let now = 1_700_000_000_000;
  const backend = createMemoryBackend({ now: () => now });
  return Promise.resolve({ backend, advance: (ms) => (now += ms) });
});

describe("memory backend", () => {
  it("forgets the least recently used buckets beyond maxBuckets (they are full again)", async () => {
    const backend = createMemoryBackend({ now: () => 0, maxBuckets: 2 });
    const take = (key: string) => backend.take([{ key, capacity: 1, periodMs: 60_000, hits: 1 }]);
    expect((await take("a")).allowed).toBe(true);
    expect((await take("b")).allowed).toBe(true);
    expect((await take("a")).allowed).toBe(false);
    // c pushes out b, the least recently used; a (used since) stays empty.
    expect((await take("c")).allowed).toBe(true);
    expect((await take("a")).allowed).toBe(false);
    expect((await take("b")).allowed).toBe(true);
  });
});

describe("memory backend under many keys", () => {
  it("never forgets a bucket used within the last half of maxBuckets insertions", async () => {
    const backend = createMemoryBackend({ now: () => 0, maxBuckets: 10 });
    const take = (key: string) => backend.take([{ key, capacity: 5, periodMs: 60_000, hits: 1 }]);
    // The hot bucket is used between every two new keys: it keeps its count throughout.
    for (let i = 0; i < 4; i++) await take("hot");
    for (let i = 0; i < 50; i++) {
      await take(`cold-${i}`);
      await take(`cold-${i}b`);
      const hot = await take("hot");
      if (i === 0) expect(hot.allowed).toBe(true);
      else expect(hot.allowed).toBe(false);
    }
    // The first cold keys were forgotten (full again); the newest are remembered.
    const first = await take("cold-0");
    expect(first.buckets[0]?.remaining).toBe(4);
    expect((await take("cold-49b")).buckets[0]?.remaining).toBe(3);
  });

  it("counts a key named twice in one take once per naming, as separate takes would", async () => {
    const backend = createMemoryBackend({ now: () => 0 });
    const req = { key: "k", capacity: 3, periodMs: 60_000, hits: 1 };
    const res = await backend.take([req, req]);
    expect(res.allowed).toBe(true);
    // Both saw the bucket full; the last write stands: one token taken, as before.
    expect((await backend.take([req])).buckets[0]?.remaining).toBe(1);
  });
});
