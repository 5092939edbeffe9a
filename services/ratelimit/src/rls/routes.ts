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
};

/** Maps a verdict to Envoy's RateLimitResponse. */
export function toResponse(result: CheckResult): MessageInitShape<typeof RateLimitResponseSchema> {
  const code = (c: "ok" | "over_limit"): RateLimitResponse_Code =>
    c === "ok" ? RateLimitResponse_Code.OK : RateLimitResponse_Code.OVER_LIMIT;
  return {
    overallCode: code(result.code),
    statuses: result.descriptors.map((d) => ({
      code: code(d.code),
      currentLimit: d.limit && {
        name: d.limit.name,
        requestsPerUnit: d.limit.requestsPerUnit,
        unit: units[d.limit.unit],
      },
      limitRemaining: d.remaining ?? 0,
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
