import type { ConnectRouter } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import {
  RateLimitResponse_Code,
  RateLimitResponse_RateLimit_Unit,
  RateLimitService,
  type RateLimitResponseSchema,
} from "../gen/envoy/service/ratelimit/v3/rls_pb.js";
import type { RateUnit } from "../limits/config.js";
import type { CheckResult, RateLimiter } from "../limiter.js";
import { checkShouldRateLimitRequest } from "./check.js";

/** Dependencies of {@link createRateLimitRoutes}. */
export interface RateLimitRoutesDeps {
  limiter: RateLimiter;
}

/**
 * Creates the routes of Envoy's `envoy.service.ratelimit.v3.RateLimitService`, so Envoy's
 * ratelimit HTTP filter can call this service unchanged (gRPC over h2c).
 *
 * ShouldRateLimit answers one status per descriptor (in request order) with the limit, the
 * requests left and the time until the bucket is full again; an OVER_LIMIT answer carries a
 * `retry-after` header (whole seconds) that Envoy adds to its rejection.
 */
export function createRateLimitRoutes(deps: RateLimitRoutesDeps): (router: ConnectRouter) => void {
  return (router) => {
    router.service(RateLimitService, {
      async shouldRateLimit(req) {
        checkShouldRateLimitRequest(req);
        const result = await deps.limiter.check({
          domain: req.domain,
          descriptors: req.descriptors.map((d) => d.entries),
          hits: req.hitsAddend,
        });
        return toResponse(result);
      },
    });
  };
}

const units: Record<RateUnit, RateLimitResponse_RateLimit_Unit> = {
  second: RateLimitResponse_RateLimit_Unit.SECOND,
  minute: RateLimitResponse_RateLimit_Unit.MINUTE,
  hour: RateLimitResponse_RateLimit_Unit.HOUR,
  day: RateLimitResponse_RateLimit_Unit.DAY,
  month: RateLimitResponse_RateLimit_Unit.MONTH,
  year: RateLimitResponse_RateLimit_Unit.YEAR,
};

/** `limit_remaining` of an unlimited descriptor: the largest uint32, as envoyproxy/ratelimit. */
export const unlimitedRemaining = 0xffff_ffff;

/**
 * Maps a verdict to Envoy's RateLimitResponse, as envoyproxy/ratelimit answers: one status
 * per descriptor in request order; a limited one carries its limit (named by `rate_limit.name`
 * when set, else by its path in the tree), the whole requests left (0 when over) and the time
 * until the bucket is full; an unlimited one says OK with `limit_remaining` 4294967295 and no
 * limit; one without a limit (unknown, replaced, other domain) says OK with 0 and no limit.
 * The overall code is OVER_LIMIT when any status is (shadow-mode limits answer OK).
 */
export function toResponse(result: CheckResult): MessageInitShape<typeof RateLimitResponseSchema> {
  const code = (c: "ok" | "over_limit"): RateLimitResponse_Code =>
    c === "ok" ? RateLimitResponse_Code.OK : RateLimitResponse_Code.OVER_LIMIT;
  return {
    overallCode: code(result.code),
    statuses: result.descriptors.map((d) => ({
      code: code(d.code),
      currentLimit: d.limit && {
        name: d.limit.limitName ?? d.limit.name,
        requestsPerUnit: d.limit.requestsPerUnit,
        unit: units[d.limit.unit],
      },
      limitRemaining: d.unlimited === true ? unlimitedRemaining : (d.remaining ?? 0),
      durationUntilReset: d.resetMs === undefined ? undefined : durationFromMs(d.resetMs),
    })),
    responseHeadersToAdd:
      result.code === "over_limit"
        ? [{ key: "retry-after", value: String(retryAfterSeconds(result.retryAfterMs)) }]
        : [],
  };
}

/** Whole seconds to wait, at least 1, as the HTTP `retry-after` header wants them. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
