import { durationMs } from "@bufbuild/protobuf/wkt";
import { Code, createClient, createRouterTransport, type Interceptor } from "@connectrpc/connect";
import { Health, LimitExceededSchema } from "@guardian/api";
import { principalKey, type Principal } from "@guardian/kit";
import { describe, expect, it } from "vitest";
import { createMemoryBackend } from "./backend/memory.js";
import { RateLimitService } from "./gen/envoy/service/ratelimit/v3/rls_pb.js";
import { createRateLimitInterceptor } from "./interceptor.js";
import { parseLimits } from "./limits/parse.js";
import { createRateLimiter } from "./limiter.js";
import { failureOf } from "@guardian/testkit";

const limits = parseLimits(`
domain: guardian
descriptors:
  - key: user
    rate_limit: { unit: minute, requests_per_unit: 2 }
  - key: api_key
    rate_limit: { unit: second, requests_per_unit: 3 }
  - key: remote_address
    rate_limit: { unit: hour, requests_per_unit: 4 }
`);

/** Stands in for the auth interceptor: the principal comes from a test header. */
const fakeAuth: Interceptor = (next) => (req) => {
  const who = req.header.get("x-test-principal");
  if (who !== null) {
    const [kind, id] = who.split(":") as [Principal["kind"], string];
    req.contextValues.set(principalKey, { kind, id, name: id });
  }
  return next(req);
};

function setup() {
  let now = 0;
  const limiter = createRateLimiter({ limits, backend: createMemoryBackend({ now: () => now }) });
  const transport = createRouterTransport(
    (router) => {
      router.service(RateLimitService, { shouldRateLimit: () => ({}) });
      router.service(Health, { check: () => ({}), watch: async function* () {} });
    },
    {
      router: {
        interceptors: [
          fakeAuth,
          createRateLimitInterceptor({
            limiter,
            addressOf: (req) => req.header.get("x-test-address") ?? undefined,
          }),
        ],
      },
    },
  );
  const call = (headers: Record<string, string>) =>
    createClient(RateLimitService, transport).shouldRateLimit({}, { headers });
  return { call, transport, advance: (ms: number) => (now += ms) };
}

describe("createRateLimitInterceptor", () => {
  it("fails a user's call over the limit with ResourceExhausted, retry-after and LimitExceeded", async () => {
    const { call } = setup();
    const alice = { "x-test-principal": "user:alice" };
    await call(alice);
    await call(alice);
    const err = await failureOf(call(alice));
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(err.metadata.get("retry-after")).toBe("30");
    const [detail] = err.findDetails(LimitExceededSchema);
    expect(detail?.limit).toBe("rate:user");
    expect(detail?.max).toBe(2n);
    expect(durationMs(detail!.retryAfter!)).toBe(30_000);
  });

  it("lets the call through again once the bucket refilled", async () => {
    const { call, advance } = setup();
    const alice = { "x-test-principal": "user:alice" };
    await call(alice);
    await call(alice);
    await expect(call(alice)).rejects.toThrow(/rate limit exceeded \(user\)/);
    advance(30_000);
    await expect(call(alice)).resolves.toBeDefined();
  });

  it("keeps users, API keys and addresses in separate buckets", async () => {
    const { call } = setup();
    await call({ "x-test-principal": "user:alice" });
    await call({ "x-test-principal": "user:alice" });
    await expect(call({ "x-test-principal": "user:alice" })).rejects.toThrow();
    await expect(call({ "x-test-principal": "user:bob" })).resolves.toBeDefined();
    // An API key principal and the raw header before authentication both count as api_key.
    await call({ "x-test-principal": "api_key:ak_1" });
    await call({ "x-api-key": "ak_1" });
    await call({ "x-api-key": "ak_1" });
    const err = await failureOf(call({ "x-test-principal": "api_key:ak_1" }));
    expect(err.findDetails(LimitExceededSchema)[0]?.limit).toBe("rate:api_key");
  });

  it("limits anonymous calls by client address", async () => {
    const { call } = setup();
    const addr = { "x-test-address": "203.0.113.9" };
    for (let i = 0; i < 4; i++) await call(addr);
    const err = await failureOf(call(addr));
    expect(err.findDetails(LimitExceededSchema)[0]?.limit).toBe("rate:remote_address");
    await expect(call({ "x-test-address": "203.0.113.10" })).resolves.toBeDefined();
    // Without any identity nothing is limited.
    for (let i = 0; i < 6; i++) await call({});
  });

  it("never limits the health service", async () => {
    const { transport } = setup();
    const health = createClient(Health, transport);
    for (let i = 0; i < 10; i++) {
      await health.check({}, { headers: { "x-test-principal": "user:alice" } });
    }
  });
});
