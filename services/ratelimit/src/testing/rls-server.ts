import { randomBytes } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createLogger, type Logger } from "@guardian/kit";
import { inject } from "vitest";
import { createRedisBackend } from "../backend/redis.js";
import {
  RateLimitRequestSchema,
  RateLimitService,
  type RateLimitRequest,
} from "../gen/envoy/service/ratelimit/v3/rls_pb.js";
import type { LimitsConfig } from "../limits/config.js";
import type { RateLimiter } from "../limiter.js";
import type { RateLimitMetrics } from "../rls/metrics.js";
import { createRatelimitServer } from "../server.js";

/** A rate limit server on port 0 over the shared test Redis, and a gRPC client as Envoy's. */
export interface RlsHarness {
  readonly client: Client<typeof RateLimitService>;
  readonly limiter: RateLimiter;
  /** The server's rate limit metrics hooks (a reload reports into them). */
  readonly rateMetrics: RateLimitMetrics;
  /** The server's base URL (`/metrics` lives there too). */
  readonly url: string;
  /** Moves the backend's clock. */
  advance(ms: number): void;
  /** The Prometheus text of the server's metrics. */
  metrics(): Promise<string>;
  close(): Promise<void>;
}

/** Starts a rate limit server with `limits`, a fresh key prefix and a clock the test moves. */
export async function startRlsServer(
  limits: LimitsConfig | readonly LimitsConfig[],
  opts: { logger?: Logger } = {},
): Promise<RlsHarness> {
  let now = 1_700_000_000_000;
  const backend = createRedisBackend({
    url: inject("redis").url,
    keyPrefix: `rls-${randomBytes(6).toString("hex")}:`,
    timeoutMs: 2_000,
    now: () => now,
  });
  const { server, limiter, metrics } = createRatelimitServer({
    limits,
    backend,
    failureMode: "open",
    logger: opts.logger ?? createLogger({ level: "silent" }),
    shutdownTimeoutMs: 2_000,
  });
  const { url } = await server.listen();
  return {
    client: createClient(RateLimitService, createGrpcTransport({ baseUrl: url })),
    limiter,
    rateMetrics: metrics,
    url,
    advance: (ms) => (now += ms),
    metrics: async () => (await fetch(`${url}/metrics`)).text(),
    async close() {
      await server.close();
      await backend.close();
    },
  };
}

/** A ShouldRateLimit request: one descriptor per list of `[key, value]` entries. */
export function rlsRequest(
  domain: string,
  descriptors: (readonly [string, string])[][],
  hitsAddend = 0,
): RateLimitRequest {
  return create(RateLimitRequestSchema, {
    domain,
    hitsAddend,
    descriptors: descriptors.map((entries) => ({
      entries: entries.map(([key, value]) => ({ key, value })),
    })),
  });
}
