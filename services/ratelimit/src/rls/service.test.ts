import { randomBytes } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "@guardian/api";
import { createLogger } from "@guardian/kit";
import { startRedis, type RedisServer } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RateLimitBackend } from "../backend/backend.js";
import { createRedisBackend } from "../backend/redis.js";
import {
  RateLimitRequestSchema,
  RateLimitResponse_Code as RlsCode,
  RateLimitResponse_RateLimit_Unit as Unit,
  RateLimitService,
} from "../gen/envoy/service/ratelimit/v3/rls_pb.js";
import { parseLimits } from "../limits/parse.js";
import { createRatelimitServer } from "../server.js";
import type { FailureMode } from "../settings.js";

const limits = parseLimits(`
domain: guardian
descriptors:
  - key: user
    rate_limit: { unit: minute, requests_per_unit: 3 }
  - key: api_key
    rate_limit: { unit: second, requests_per_unit: 5 }
  - key: remote_address
    rate_limit: { unit: hour, requests_per_unit: 10 }
  - key: remote_address
    value: 10.0.0.9
    unlimited: true
  - key: trial
    shadow_mode: true
    rate_limit: { unit: minute, requests_per_unit: 1 }
`);

type RlsClient = Client<typeof RateLimitService>;
const closers: (() => Promise<void>)[] = [];
let clock = 1_700_000_000_000;

/** Starts a real rate limit server on port 0 and returns a gRPC client, as Envoy calls it. */
async function startService(opts: {
  redisUrl?: string;
  keyPrefix?: string;
  failureMode?: FailureMode;
  now?: () => number;
}): Promise<{ client: RlsClient; health: Client<typeof Health>; backend: RateLimitBackend }> {
  const backend = createRedisBackend({
    url: opts.redisUrl ?? inject("redis").url,
    keyPrefix: opts.keyPrefix ?? `rls-${randomBytes(6).toString("hex")}:`,
    timeoutMs: 500,
    now: opts.now,
  });
  const { server } = createRatelimitServer({
    limits,
    backend,
    failureMode: opts.failureMode ?? "open",
    logger: createLogger({ level: "silent" }),
    shutdownTimeoutMs: 2_000,
  });
  const { url } = await server.listen();
  closers.push(
    () => server.close(),
    () => backend.close(),
  );
  const transport = createGrpcTransport({ baseUrl: url });
  return {
    client: createClient(RateLimitService, transport),
    health: createClient(Health, transport),
    backend,
  };
}

const request = (descriptors: [string, string][][], hitsAddend = 0) =>
  create(RateLimitRequestSchema, {
    domain: "guardian",
    hitsAddend,
    descriptors: descriptors.map((entries) => ({
      entries: entries.map(([key, value]) => ({ key, value })),
    })),
  });

afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

describe("ShouldRateLimit over gRPC against Redis", () => {
  let rls: RlsClient;

  beforeAll(async () => {
    ({ client: rls } = await startService({ now: () => clock }));
  });

  it("answers OK with the limit, the requests left and the time until the bucket is full", async () => {
    const res = await rls.shouldRateLimit(request([[["user", "ok-user"]]]));
    expect(res.overallCode).toBe(RlsCode.OK);
    expect(res.statuses).toHaveLength(1);
    const status = res.statuses[0]!;
    expect(status.code).toBe(RlsCode.OK);
    expect(status.currentLimit).toMatchObject({
      name: "user",
      requestsPerUnit: 3,
      unit: Unit.MINUTE,
    });
    expect(status.limitRemaining).toBe(2);
    expect(Number(status.durationUntilReset?.seconds)).toBe(20);
    expect(res.responseHeadersToAdd).toEqual([]);
  });

  it("answers OVER_LIMIT with retry-after once the bucket is empty, and OK after the refill", async () => {
    for (let i = 0; i < 3; i++) {
      expect((await rls.shouldRateLimit(request([[["user", "busy"]]]))).overallCode).toBe(
        RlsCode.OK,
      );
    }
    const over = await rls.shouldRateLimit(request([[["user", "busy"]]]));
    expect(over.overallCode).toBe(RlsCode.OVER_LIMIT);
    expect(over.statuses[0]).toMatchObject({ code: RlsCode.OVER_LIMIT, limitRemaining: 0 });
    expect(Number(over.statuses[0]?.durationUntilReset?.seconds)).toBe(60);
    // One request per 20 s comes back.
    expect(over.responseHeadersToAdd.map((h) => [h.key, h.value])).toEqual([["retry-after", "20"]]);

    clock += 19_999;
    expect((await rls.shouldRateLimit(request([[["user", "busy"]]]))).overallCode).toBe(
      RlsCode.OVER_LIMIT,
    );
    clock += 1;
    const again = await rls.shouldRateLimit(request([[["user", "busy"]]]));
    expect(again.overallCode).toBe(RlsCode.OK);
    expect(again.statuses[0]?.limitRemaining).toBe(0);
    clock += 60_000;
    expect(
      (await rls.shouldRateLimit(request([[["user", "busy"]]]))).statuses[0]?.limitRemaining,
    ).toBe(2);
  });

  it("keeps a bucket per descriptor value and per descriptor key", async () => {
    for (let i = 0; i < 3; i++) await rls.shouldRateLimit(request([[["user", "alice"]]]));
    expect((await rls.shouldRateLimit(request([[["user", "alice"]]]))).overallCode).toBe(
      RlsCode.OVER_LIMIT,
    );
    const bob = await rls.shouldRateLimit(request([[["user", "bob"]]]));
    expect(bob.overallCode).toBe(RlsCode.OK);
    expect(bob.statuses[0]?.limitRemaining).toBe(2);
    const key = await rls.shouldRateLimit(request([[["api_key", "alice"]]]));
    expect(key.statuses[0]).toMatchObject({ code: RlsCode.OK, limitRemaining: 4 });
  });

  it("limits on all descriptors: one over the limit makes the whole request OVER_LIMIT", async () => {
    for (let i = 0; i < 3; i++) await rls.shouldRateLimit(request([[["user", "carol"]]]));
    const res = await rls.shouldRateLimit(
      request([[["user", "carol"]], [["remote_address", "192.0.2.1"]]]),
    );
    expect(res.overallCode).toBe(RlsCode.OVER_LIMIT);
    expect(res.statuses.map((s) => s.code)).toEqual([RlsCode.OVER_LIMIT, RlsCode.OK]);
    // The address bucket was not charged for the rejected request.
    expect(res.statuses[1]?.limitRemaining).toBe(10);
  });

  it("answers OK without a limit for unlimited, unknown and other-domain descriptors", async () => {
    const res = await rls.shouldRateLimit(
      request([
        [["remote_address", "10.0.0.9"]],
        [["tenant", "x"]],
        [
          ["user", "dave"],
          ["method", "x"],
        ],
      ]),
    );
    expect(res.overallCode).toBe(RlsCode.OK);
    // As envoyproxy/ratelimit: unlimited answers the largest uint32 left, no limit answers 0.
    expect(res.statuses.map((s) => [s.code, s.currentLimit, s.limitRemaining])).toEqual([
      [RlsCode.OK, undefined, 4_294_967_295],
      [RlsCode.OK, undefined, 0],
      [RlsCode.OK, undefined, 0],
    ]);
    const other = await rls.shouldRateLimit({ ...request([[["user", "erin"]]]), domain: "other" });
    expect(other.statuses[0]?.currentLimit).toBeUndefined();
  });

  it("charges hits_addend tokens", async () => {
    const res = await rls.shouldRateLimit(request([[["api_key", "bulk"]]], 4));
    expect(res.statuses[0]?.limitRemaining).toBe(1);
    const over = await rls.shouldRateLimit(request([[["api_key", "bulk"]]], 2));
    expect(over.overallCode).toBe(RlsCode.OVER_LIMIT);
  });

  it("rejects malformed requests with InvalidArgument", async () => {
    const err = await rls
      .shouldRateLimit({ domain: "guardian", descriptors: [{ entries: [] }] })
      .then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
    expect(err?.code).toBe(Code.InvalidArgument);
    await expect(rls.shouldRateLimit({ domain: "" })).rejects.toMatchObject({
      code: Code.InvalidArgument,
    });
    await expect(rls.shouldRateLimit({ domain: "guardian", descriptors: [] })).rejects.toThrow(
      /at least one descriptor is required/,
    );
  });
});

describe("the rate limit server", () => {
  it("reports the rate limit service SERVING over gRPC health", async () => {
    const { health } = await startService({});
    const res = await health.check({ service: RateLimitService.typeName });
    expect(res.status).toBe(ServingStatus.SERVING);
  });

  it("counts one budget across two instances sharing one Redis (real Redis clock)", async () => {
    const keyPrefix = `shared-${randomBytes(6).toString("hex")}:`;
    const a = await startService({ keyPrefix });
    const b = await startService({ keyPrefix });
    // remote_address allows 10 per hour: at most 10 of 30 concurrent requests pass.
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 === 0 ? a : b).client.shouldRateLimit(
          request([[["remote_address", "198.51.100.4"]]]),
        ),
      ),
    );
    expect(results.filter((r) => r.overallCode === RlsCode.OK)).toHaveLength(10);
    const remaining = results
      .filter((r) => r.overallCode === RlsCode.OK)
      .map((r) => r.statuses[0]?.limitRemaining)
      .sort((x, y) => (x ?? 0) - (y ?? 0));
    expect(remaining).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe("when Redis is lost", () => {
  let redis: RedisServer;
  let open: RlsClient;
  let closed: RlsClient;

  beforeAll(async () => {
    redis = await startRedis();
    closers.push(() => redis.stop());
    ({ client: open } = await startService({ redisUrl: redis.url, failureMode: "open" }));
    ({ client: closed } = await startService({ redisUrl: redis.url, failureMode: "closed" }));
    // Both work while Redis is up.
    expect(
      (await open.shouldRateLimit(request([[["user", "u1"]]]))).statuses[0]?.limitRemaining,
    ).toBe(2);
    expect(
      (await closed.shouldRateLimit(request([[["user", "u1"]]]))).statuses[0]?.limitRemaining,
    ).toBe(2);
    await redis.stop();
  });

  it("fail open answers OK for every descriptor, with the limit but no count", async () => {
    const res = await open.shouldRateLimit(request([[["user", "u1"]], [["api_key", "k"]]]));
    expect(res.overallCode).toBe(RlsCode.OK);
    expect(res.statuses.map((s) => [s.code, s.currentLimit?.name, s.limitRemaining])).toEqual([
      [RlsCode.OK, "user", 0],
      [RlsCode.OK, "api_key", 0],
    ]);
  });

  it("fail closed answers OVER_LIMIT for limited descriptors with a retry hint", async () => {
    const res = await closed.shouldRateLimit(
      request([[["user", "u1"]], [["tenant", "t"]], [["trial", "t"]]]),
    );
    expect(res.overallCode).toBe(RlsCode.OVER_LIMIT);
    // A shadow-mode limit is never enforced, not even by the closed failure mode.
    expect(res.statuses.map((s) => s.code)).toEqual([RlsCode.OVER_LIMIT, RlsCode.OK, RlsCode.OK]);
    expect(res.responseHeadersToAdd.map((h) => [h.key, h.value])).toEqual([["retry-after", "1"]]);
  });

  it("counts again once Redis is back", async () => {
    const back = await startRedis({ port: redis.port });
    closers.push(() => back.stop());
    await expect
      .poll(async () => (await closed.shouldRateLimit(request([[["user", "u2"]]]))).overallCode, {
        timeout: 10_000,
        interval: 200,
      })
      .toBe(RlsCode.OK);
    // The restarted Redis is empty: u2 was charged once just now.
    const res = await closed.shouldRateLimit(request([[["user", "u2"]]]));
    expect(res.statuses[0]?.limitRemaining).toBe(1);
  });
});
