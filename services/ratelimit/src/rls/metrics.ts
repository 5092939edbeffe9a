import { Counter, Gauge, type Registry } from "prom-client";
import type { AppliedLimit, DescriptorVerdict } from "../limiter.js";
import type { DescriptorEntry } from "../limits/match.js";

/** Most distinct per-value `limit` labels that `detailed_metric` limits add, per process. */
export const maxDetailedLabels = 1_000;

/** Hooks for {@link createRateLimiter} and the limits reload that feed the metrics. */
export interface RateLimitMetrics {
  onVerdict(
    limit: AppliedLimit,
    verdict: DescriptorVerdict,
    entries: readonly DescriptorEntry[],
  ): void;
  onBackendError(err: unknown): void;
  /** Records a reload of the limits files: `ok` (applied) or `error` (old limits kept). */
  onReload(result: "ok" | "error"): void;
}

/**
 * Registers the rate limit metrics in `registry`:
 *
 * - `guardian_ratelimit_decisions_total{domain,limit,code}`: limited descriptors by answered
 *   verdict
 * - `guardian_ratelimit_shadow_over_limit_total{domain,limit}`: shadow-mode limits exceeded
 *   (answered OK)
 * - `guardian_ratelimit_backend_errors_total`: takes that failed (the failure mode decided)
 * - `guardian_ratelimit_config_reloads_total{result}`: reloads of the limits files
 * - `guardian_ratelimit_config_valid`: 1 while the last file read was valid, 0 after a bad one
 *
 * `limit` is the matched node's path (`user`, `path=/api/*`). For a `detailed_metric` limit it
 * is the path with the request's values (`user=alice`), for the first {@link maxDetailedLabels}
 * distinct ones; later values count under the node's path, so the label set stays bounded.
 */
export function createRateLimitMetrics(registry: Registry): RateLimitMetrics {
  const decisions = new Counter({
    name: "guardian_ratelimit_decisions_total",
    help: "Rate limited descriptors checked, by matched limit and answered verdict.",
    labelNames: ["domain", "limit", "code"] as const,
    registers: [registry],
  });
  const shadow = new Counter({
    name: "guardian_ratelimit_shadow_over_limit_total",
    help: "Descriptors over a shadow_mode limit: answered OK, not enforced.",
    labelNames: ["domain", "limit"] as const,
    registers: [registry],
  });
  const backendErrors = new Counter({
    name: "guardian_ratelimit_backend_errors_total",
    help: "Rate limit checks whose backend (Redis) failed; the failure mode decided them.",
    registers: [registry],
  });
  const reloads = new Counter({
    name: "guardian_ratelimit_config_reloads_total",
    help: "Reloads of the rate limit files: ok applied them, error kept the previous limits.",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  const valid = new Gauge({
    name: "guardian_ratelimit_config_valid",
    help: "1 when the last read of the rate limit files was valid, 0 when it was rejected.",
    registers: [registry],
  });
  valid.set(1);
  const detailed = new Set<string>();
  const labelOf = (limit: AppliedLimit, entries: readonly DescriptorEntry[]): string => {
    if (!limit.detailed) return limit.name;
    const label = entries.map((e) => `${e.key}=${e.value}`).join(".");
    if (detailed.has(label)) return label;
    if (detailed.size >= maxDetailedLabels) return limit.name;
    detailed.add(label);
    return label;
  };
  return {
    onVerdict(limit, verdict, entries) {
      const label = labelOf(limit, entries);
      decisions.inc({ domain: limit.domain, limit: label, code: verdict.code });
      if (verdict.shadowed === true) shadow.inc({ domain: limit.domain, limit: label });
    },
    onBackendError: () => backendErrors.inc(),
    onReload(result) {
      reloads.inc({ result });
      valid.set(result === "ok" ? 1 : 0);
    },
  };
}
