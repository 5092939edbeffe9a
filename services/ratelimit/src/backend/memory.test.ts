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
