import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { startRedis } from "@guardian/testkit";
import { afterAll, describe, expect, inject, it } from "vitest";
import type { BucketRequest, RateLimitBackend } from "./backend.js";
import { BackendUnavailableError } from "./backend.js";
import { describeBackendContract } from "./contract.js";
import { createMemoryBackend } from "./memory.js";
import { createRedisBackend } from "./redis.js";

// The Redis server is shared by every test file: each backend gets its own key prefix.
const prefix = () => `test-${randomBytes(6).toString("hex")}:`;
const backends: RateLimitBackend[] = [];
const admin = new Redis(inject("redis").url, { maxRetriesPerRequest: 1 });

function redisBackend(opts: { now?: () => number; keyPrefix?: string } = {}): RateLimitBackend {
  const backend = createRedisBackend({
    url: inject("redis").url,
    keyPrefix: opts.keyPrefix ?? prefix(),
    timeoutMs: 2_000,
    now: opts.now,
  });
  backends.push(backend);
  return backend;
}

afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
  await admin.quit();
});

describeBackendContract("redis", async () => {
  let now = 1_700_000_000_000;
  const backend = redisBackend({ now: () => now });
  return { backend, advance: (ms) => (now += ms) };
});

describe("redis backend", () => {
  it("agrees with the memory backend on every result of a mixed sequence", async () => {
    let now = 1_700_000_000_000;
    const redis = redisBackend({ now: () => now });
    const memory = createMemoryBackend({ now: () => now });
    // A fixed pseudo-random walk: varied gaps, hits, capacities and bucket combinations.
    let seed = 7;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let step = 0; step < 150; step++) {
      now += next(400);
      const reqs: BucketRequest[] = ["a", "b", "c"]
        .filter(() => next(3) > 0)
        .map((k, i) => ({
          key: k,
          capacity: 3 + i * 4,
          periodMs: 1_000 * (i + 1),
          hits: 1 + next(2),
          shadow: next(4) === 0,
        }));
      expect(await redis.take(reqs), `step ${step}`).toEqual(await memory.take(reqs));
    }
  });

  it("lets a bucket expire exactly when it would be full again", async () => {
    const keyPrefix = prefix();
    const backend = redisBackend({ keyPrefix });
    const req = { key: "ttl", capacity: 10, periodMs: 60_000, hits: 4 };
    const result = await backend.take([req]);
    const ttl = await admin.pttl(`${keyPrefix}ttl`);
    expect(result.buckets[0]?.resetMs).toBe(24_000);
    expect(ttl).toBeGreaterThan(23_000);
    expect(ttl).toBeLessThanOrEqual(24_000);
  });

  it("counts concurrent takes from several clients exactly once", async () => {
    const keyPrefix = prefix();
    const clients = [redisBackend({ keyPrefix }), redisBackend({ keyPrefix })];
    const req = { key: "shared", capacity: 25, periodMs: 86_400_000, hits: 1 };
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => clients[i % 2]!.take([req])),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(25);
    const remaining = results.filter((r) => r.allowed).map((r) => r.buckets[0]?.remaining);
    // Each allowed take saw a distinct count: nothing was lost or counted twice.
    expect(new Set(remaining).size).toBe(25);
  });

  it("uses the Redis server's clock when no clock is given", async () => {
    const backend = redisBackend();
    const req = { key: "clock", capacity: 2, periodMs: 1_000, hits: 1 };
    await backend.take([req]);
    await backend.take([req]);
    const rejected = await backend.take([req]);
    expect(rejected.allowed).toBe(false);
    expect(rejected.buckets[0]?.retryAfterMs).toBeGreaterThan(0);
    expect(rejected.buckets[0]?.retryAfterMs).toBeLessThanOrEqual(500);
    await new Promise((r) => setTimeout(r, rejected.buckets[0]!.retryAfterMs + 20));
    expect((await backend.take([req])).allowed).toBe(true);
  });

  it("fails fast with BackendUnavailableError while Redis is down", async () => {
    const server = await startRedis();
    const backend = createRedisBackend({ url: server.url, timeoutMs: 200 });
    try {
      const req = { key: "down", capacity: 5, periodMs: 1_000, hits: 1 };
      await expect.poll(() => backend.take([req]).then((r) => r.allowed)).toBe(true);
      await server.stop();
      const started = Date.now();
      await expect(backend.take([req])).rejects.toBeInstanceOf(BackendUnavailableError);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await backend.close();
      await server.stop();
    }
  });
});
