import { Counter, type Registry } from "prom-client";
import type { AppliedLimit } from "../limiter.js";

/** Hooks for {@link createRateLimiter} that feed the rate limit metrics. */
export interface RateLimitMetrics {
  onVerdict(limit: AppliedLimit, code: "ok" | "over_limit"): void;
  onBackendError(err: unknown): void;
}

/**
 * Registers the rate limit metrics in `registry`:
 *
 * - `guardian_ratelimit_decisions_total{limit,code}`: limited descriptors by verdict
 * - `guardian_ratelimit_backend_errors_total`: takes that failed (the failure mode decided)
 */
export function createRateLimitMetrics(registry: Registry): RateLimitMetrics {
  const decisions = new Counter({
    name: "guardian_ratelimit_decisions_total",
    help: "Rate limited descriptors checked, by matched limit and verdict.",
    labelNames: ["limit", "code"] as const,
    registers: [registry],
  });
  const backendErrors = new Counter({
    name: "guardian_ratelimit_backend_errors_total",
    help: "Rate limit checks whose backend (Redis) failed; the failure mode decided them.",
    registers: [registry],
  });
  return {
    onVerdict: (limit, code) => decisions.inc({ limit: limit.name, code }),
    onBackendError: () => backendErrors.inc(),
  };
}
