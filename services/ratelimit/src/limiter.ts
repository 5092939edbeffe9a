import { LRUCache } from "lru-cache";
import type { RateLimitBackend } from "./backend/backend.js";
import {
  bucketKey,
  planCheck,
  type AppliedLimit,
  type CheckPlan,
  type CheckRequest,
  type DescriptorVerdict,
} from "./check-plan.js";
import type { LimitsConfig } from "./limits/config.js";
import type { DescriptorEntry } from "./limits/match.js";
import type { FailureMode } from "./settings.js";

export type { AppliedLimit, CheckRequest, DescriptorVerdict } from "./check-plan.js";

/** The verdict on a request. */
export interface CheckResult {
  /** `over_limit` when any descriptor is. */
  readonly code: "ok" | "over_limit";
  readonly descriptors: readonly DescriptorVerdict[];
  /** When over the limit: milliseconds until a retry can pass. */
  readonly retryAfterMs: number;
  /** True when the backend failed and the failure mode decided. */
  readonly degraded: boolean;
}

/** Options for {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /** The domains and their descriptor trees (one domain per config). */
  limits: LimitsConfig | readonly LimitsConfig[];
  /** Where the buckets live. */
  backend: RateLimitBackend;
  /** What to answer when the backend fails: `open` allows, `closed` rejects. Default `open`. */
  failureMode?: FailureMode;
  /** Called when the backend fails (before the failure mode applies). */
  onBackendError?: (err: unknown) => void;
  /** Called once per limited descriptor with its verdict and entries, for metrics and logs. */
  onVerdict?: (
    limit: AppliedLimit,
    verdict: DescriptorVerdict,
    entries: readonly DescriptorEntry[],
  ) => void;
}

/** Checks requests against the configured limits. */
export interface RateLimiter {
  /** The domain of the first config: the one the in-process interceptor asks for. */
  readonly domain: string;
  /** Counts the request against every matching limit and returns the verdict. */
  check(req: CheckRequest): Promise<CheckResult>;
  /**
   * Replaces the limits; checks that start afterwards use them. Buckets are named by domain,
   * node path and values, so descriptors whose node is unchanged keep their counts.
   */
  setLimits(limits: LimitsConfig | readonly LimitsConfig[]): void;
}

/** How long a client is told to wait when the backend failed closed. */
const degradedRetryMs = 1_000;

/**
 * Creates the rate limiter shared by the Envoy rate limit service and the in-process
 * interceptor: each descriptor finds its limit in its domain's tree (see {@link planCheck}:
 * replaced and unlimited limits drop out), and one atomic backend take counts the request
 * against all remaining ones (token buckets, see the backend).
 */
export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  const failureMode = opts.failureMode ?? "open";
  let domains = byDomain(opts.limits);
  let domain = firstDomain(opts.limits);
  // Plans of secret-free requests (no raw API key among the values), by domain, cost and
  // descriptor values: a steady client's check then resolves nothing and hashes nothing.
  // Made on the first such check: lru-cache sizes its arrays for `max` when made.
  let plans: LRUCache<string, CheckPlan> | undefined;
  const planOf = (req: CheckRequest): CheckPlan => {
    const config = domains.get(req.domain);
    if (req.secretFree !== true) return planCheck(config, req, bucketKey);
    // No key or value holds NUL (ids are PostgreSQL text, addresses come from HTTP headers).
    let text = `${req.domain}\0${req.hits ?? 0}`;
    for (const entries of req.descriptors) {
      text += "\0";
      for (const e of entries) text += `\0${e.key}\0${e.value}`;
    }
    plans ??= new LRUCache({ max: 10_000 });
    let plan = plans.get(text);
    if (plan === undefined) {
      plan = planCheck(config, req, bucketKey);
      plans.set(text, plan);
    }
    return plan;
  };
  const report = (i: number, v: DescriptorVerdict, req: CheckRequest): DescriptorVerdict => {
    if (v.limit !== undefined) opts.onVerdict?.(v.limit, v, req.descriptors[i]!);
    return v;
  };
  return {
    get domain() {
      return domain;
    },
    setLimits(limits) {
      domains = byDomain(limits);
      domain = firstDomain(limits);
      plans?.clear();
    },
    async check(req) {
      const plan = planOf(req);
      if (plan.buckets.length === 0 || plan.blocked) {
        const descriptors = plan.verdicts.map((v, i) => report(i, v, req));
        const code = plan.blocked ? "over_limit" : "ok";
        return { code, descriptors, retryAfterMs: plan.retryAfterMs, degraded: false };
      }

      let taken;
      try {
        taken = await opts.backend.take(plan.buckets);
      } catch (err) {
        opts.onBackendError?.(err);
        const code = failureMode === "closed" ? "over_limit" : "ok";
        const descriptors = plan.verdicts.map((v, i) => {
          const limit = v.limit;
          if (limit === undefined) return v;
          if (plan.bucketOf[i]! < 0) return report(i, v, req);
          // A shadow limit is never enforced, not even by the closed failure mode.
          return report(i, { code: limit.shadow ? "ok" : code, limit }, req);
        });
        const over = descriptors.some((d) => d.code === "over_limit");
        return {
          code: over ? "over_limit" : "ok",
          descriptors,
          retryAfterMs: over ? degradedRetryMs : 0,
          degraded: true,
        };
      }

      let retryAfterMs = 0;
      const descriptors = plan.verdicts.map((v, i) => {
        const bucket = taken.buckets[plan.bucketOf[i]!];
        if (v.limit === undefined) return v;
        if (bucket === undefined) return report(i, v, req);
        const over = !bucket.sufficient;
        const shadowed = over && v.limit.shadow;
        if (over && !shadowed) retryAfterMs = Math.max(retryAfterMs, bucket.retryAfterMs);
        const verdict: DescriptorVerdict = {
          code: over && !shadowed ? "over_limit" : "ok",
          limit: v.limit,
          remaining: over ? 0 : bucket.remaining,
          resetMs: bucket.resetMs,
          ...(shadowed ? { shadowed } : {}),
        };
        return report(i, verdict, req);
      });
      return {
        code: taken.allowed ? "ok" : "over_limit",
        descriptors,
        retryAfterMs,
        degraded: false,
      };
    },
  };
}

function byDomain(limits: LimitsConfig | readonly LimitsConfig[]): Map<string, LimitsConfig> {
  const list: readonly LimitsConfig[] = Array.isArray(limits) ? limits : [limits as LimitsConfig];
  return new Map(list.map((c) => [c.domain, c]));
}

function firstDomain(limits: LimitsConfig | readonly LimitsConfig[]): string {
  const list: readonly LimitsConfig[] = Array.isArray(limits) ? limits : [limits as LimitsConfig];
  return list[0]?.domain ?? "";
}
