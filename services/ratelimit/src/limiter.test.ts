import { describe, expect, it } from "vitest";
import { createMemoryBackend } from "./backend/memory.js";
import { parseLimits } from "./limits/parse.js";
import { createRateLimiter, type CheckRequest } from "./limiter.js";

const twoPerMinute = parseLimits(`
domain: guardian
descriptors:
  - key: user
    rate_limit: { unit: minute, requests_per_unit: 2 }
  - key: api_key
    rate_limit: { unit: minute, requests_per_unit: 2 }
`);

const onePerMinute = parseLimits(`
domain: guardian
descriptors:
  - key: user
    rate_limit: { unit: minute, requests_per_unit: 1 }
  - key: api_key
    value: open
    rate_limit: { unlimited: true }
`);

function request(key: string, value: string, secretFree: boolean): CheckRequest {
  return { domain: "guardian", descriptors: [[{ key, value }]], secretFree };
}

describe("createRateLimiter", () => {
  it("counts remembered (secret-free) and resolved requests against the same buckets", async () => {
    const limiter = createRateLimiter({
      limits: twoPerMinute,
      backend: createMemoryBackend({ now: () => 0 }),
    });
    // The same descriptor, once as a principal id and once as a raw header value.
    expect((await limiter.check(request("api_key", "k1", true))).code).toBe("ok");
    expect((await limiter.check(request("api_key", "k1", false))).code).toBe("ok");
    const third = await limiter.check(request("api_key", "k1", true));
    expect(third.code).toBe("over_limit");
    expect(third.descriptors[0]).toMatchObject({ code: "over_limit", remaining: 0 });
    // Another value has its own bucket, remembered or not.
    expect((await limiter.check(request("api_key", "k2", true))).code).toBe("ok");
    expect((await limiter.check(request("api_key", "k2", true))).descriptors[0]).toMatchObject({
      code: "ok",
      remaining: 0,
    });
  });

  it("applies replaced limits to the very next check, also for remembered requests", async () => {
    let now = 0;
    const limiter = createRateLimiter({
      limits: twoPerMinute,
      backend: createMemoryBackend({ now: () => now }),
    });
    expect((await limiter.check(request("user", "u1", true))).code).toBe("ok");
    expect((await limiter.check(request("api_key", "open", true))).code).toBe("ok");
    expect((await limiter.check(request("api_key", "open", true))).code).toBe("ok");
    expect((await limiter.check(request("api_key", "open", true))).code).toBe("over_limit");

    limiter.setLimits(onePerMinute);
    // The user's bucket keeps its count (same node): one token of two is gone, one left.
    // Under the new limit of one per minute the bucket holds at most one token.
    now += 1;
    const user = await limiter.check(request("user", "u1", true));
    expect(user.descriptors[0]?.limit?.requestsPerUnit).toBe(1);
    expect((await limiter.check(request("user", "u1", true))).code).toBe("over_limit");
    // The key's node is now unlimited: never limited, however often it is checked.
    for (let i = 0; i < 5; i++) {
      const open = await limiter.check(request("api_key", "open", true));
      expect(open).toMatchObject({ code: "ok", descriptors: [{ unlimited: true }] });
    }
  });

  it("hands out plans that later checks cannot change", async () => {
    const limiter = createRateLimiter({
      limits: twoPerMinute,
      backend: createMemoryBackend({ now: () => 0 }),
    });
    const first = await limiter.check(request("user", "u9", true));
    const second = await limiter.check(request("user", "u9", true));
    expect(first.descriptors[0]).toMatchObject({ code: "ok", remaining: 1 });
    expect(second.descriptors[0]).toMatchObject({ code: "ok", remaining: 0 });
  });
});
