/**
 * @guardian/ratelimit-service — Guardian's rate limiting: the service behind Envoy's global
 * ratelimit filter (Envoy's `envoy.service.ratelimit.v3.RateLimitService` over Redis) and the
 * same limiter in process, as a Connect interceptor, for embedded mode.
 *
 * Glossary:
 * - domain: the namespace of a limits file; Envoy sends it with every request (`guardian`).
 * - descriptor: a list of `(key, value)` entries describing one aspect of a request, for
 *   example `[(user, alice)]`, `[(api_key, …)]` or `[(remote_address, 203.0.113.7)]`.
 * - descriptor tree: the limits file; a descriptor's entries walk it one level per entry.
 * - token bucket: each limited descriptor value has a bucket of `requests_per_unit` tokens
 *   that refills continuously at `requests_per_unit` per `unit`; a request takes one token
 *   (or `hits_addend`), and is over the limit when a bucket lacks them.
 * - failure mode: what is answered while Redis is unreachable, `open` (allow) or `closed`.
 * - wildcard value: a descriptor value holding `*` (`/api/*`), matching any text there.
 * - replaces: a limit that names others (their `rate_limit.name`) replaces them when both
 *   match descriptors of one request.
 * - shadow mode: a limit counted and reported but never enforced (answered OK).
 */
export { BackendUnavailableError } from "./backend/backend.js";
export type {
  BucketRequest,
  BucketResult,
  RateLimitBackend,
  TakeResult,
} from "./backend/backend.js";
export { createMemoryBackend } from "./backend/memory.js";
export type { MemoryBackendOptions } from "./backend/memory.js";
export { createRedisBackend, takeScript } from "./backend/redis.js";
export type { RedisBackendOptions } from "./backend/redis.js";
export {
  createRateLimitInterceptor,
  descriptorKeys,
  descriptorsOf,
  rateLimitError,
} from "./interceptor.js";
export type { CallRequest, RateLimitInterceptorOptions } from "./interceptor.js";
export { LimitsConfigError, rateUnits, unitMs } from "./limits/config.js";
export type { DescriptorRule, LimitsConfig, RateLimitSpec, RateUnit } from "./limits/config.js";
export { limitsFiles, loadLimits, parseLimitsFiles, readLimitsFiles } from "./limits/load.js";
export { parseLimits } from "./limits/parse.js";
export { findLimit, wildcardMatches } from "./limits/match.js";
export type { DescriptorEntry, ResolvedLimit } from "./limits/match.js";
export { bucketKey, planCheck } from "./check-plan.js";
export type { BucketKeyOf, CheckPlan } from "./check-plan.js";
export { createRateLimiter } from "./limiter.js";
export type {
  AppliedLimit,
  CheckRequest,
  CheckResult,
  DescriptorVerdict,
  RateLimiter,
  RateLimiterOptions,
} from "./limiter.js";
export { createRateLimitMetrics, maxDetailedLabels } from "./rls/metrics.js";
export type { RateLimitMetrics } from "./rls/metrics.js";
export { createRateLimitRoutes, toResponse, unlimitedRemaining } from "./rls/routes.js";
export type { RateLimitRoutesDeps } from "./rls/routes.js";
export { createRatelimitServer } from "./server.js";
export type { RatelimitServer, RatelimitServerOptions } from "./server.js";
export { failureModes, ratelimitSettings } from "./settings.js";
export type { FailureMode, RatelimitSettings } from "./settings.js";
export { watchLimits } from "./limits/watch.js";
export { reloadLimitsOnChange } from "./reload.js";
export type { ReloadOptions } from "./reload.js";
export type { LimitsWatcher, LimitsWatcherOptions } from "./limits/watch.js";
export {
  RateLimitResponse_Code,
  RateLimitService,
} from "./gen/envoy/service/ratelimit/v3/rls_pb.js";
