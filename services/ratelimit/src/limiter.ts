import { hash } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { BucketRequest, RateLimitBackend } from "./backend/backend.js";
import type { LimitsConfig } from "./limits/config.js";
import { findLimit, type DescriptorEntry, type ResolvedLimit } from "./limits/match.js";
import type { FailureMode } from "./settings.js";

/** A limit that applies, with the numbers a client needs. */
export type AppliedLimit = Extract<ResolvedLimit, { kind: "limited" }>;

/** What a check asks: the descriptors of one request, in Envoy's shape. */
export interface CheckRequest {
  /** The rate limit domain; descriptors of another domain are not limited. */
  readonly domain: string;
  readonly descriptors: readonly (readonly DescriptorEntry[])[];
  /** Tokens the request costs; 0 or absent means 1 (as Envoy's `hits_addend`). */
  readonly hits?: number;
  /**
   * True when no descriptor value is a secret (a raw API key is one; principal ids and
   * addresses are not): bucket keys are then remembered instead of hashed on every check.
   */
  readonly secretFree?: boolean;
}

/** The verdict on one descriptor. */
export interface DescriptorVerdict {
  readonly code: "ok" | "over_limit";
  /** The limit that applied; absent when the descriptor is not limited. */
  readonly limit?: AppliedLimit;
  /** Whole requests left; absent when not limited or when the backend failed. */
  readonly remaining?: number;
  /** Milliseconds until the bucket is full again; absent when unknown. */
  readonly resetMs?: number;
}

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
  /** The domain and its descriptor tree. */
  limits: LimitsConfig;
  /** Where the buckets live. */
  backend: RateLimitBackend;
  /** What to answer when the backend fails: `open` allows, `closed` rejects. Default `open`. */
  failureMode?: FailureMode;
  /** Called when the backend fails (before the failure mode applies). */
  onBackendError?: (err: unknown) => void;
  /** Called once per limited descriptor with its verdict, for metrics. */
  onVerdict?: (limit: AppliedLimit, code: DescriptorVerdict["code"]) => void;
}

/** Checks requests against the configured limits. */
export interface RateLimiter {
  /** The configured domain. */
  readonly domain: string;
  /** Counts the request against every matching limit and returns the verdict. */
  check(req: CheckRequest): Promise<CheckResult>;
}

/** How long a client is told to wait when the backend failed closed. */
const degradedRetryMs = 1_000;

/**
 * Creates the rate limiter shared by the Envoy rate limit service and the in-process
 * interceptor: each descriptor finds its limit in the tree, and one atomic backend take
 * counts the request against all of them (token buckets, see the backend).
 */
export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  const failureMode = opts.failureMode ?? "open";
  const domain = opts.limits.domain;
  // Bucket keys of secret-free descriptors, by limit name and descriptor values.
  const keys = new LRUCache<string, string>({ max: 10_000 });
  const keyOf = (name: string, entries: readonly DescriptorEntry[], memo: boolean): string => {
    if (!memo) return bucketKey(domain, name, entries);
    let text = name;
    // No key or value holds NUL (ids are PostgreSQL text, addresses come from HTTP headers).
    for (const e of entries) text += `\0${e.key}\0${e.value}`;
    let key = keys.get(text);
    if (key === undefined) {
      key = bucketKey(domain, name, entries);
      keys.set(text, key);
    }
    return key;
  };
  return {
    domain,
    async check(req) {
      const hits = Math.max(1, Math.floor(req.hits ?? 0));
      const count = req.descriptors.length;
      // The limit of each descriptor, and the index of its bucket in the take.
      const applied: (AppliedLimit | undefined)[] = new Array(count);
      const bucketOf: number[] = new Array(count);
      const buckets: BucketRequest[] = [];
      for (let i = 0; i < count; i++) {
        const entries = req.descriptors[i]!;
        const limit = req.domain === domain ? findLimit(opts.limits, entries) : undefined;
        applied[i] = limit?.kind === "limited" ? limit : undefined;
        bucketOf[i] = -1;
        if (limit?.kind !== "limited") continue;
        bucketOf[i] = buckets.length;
        buckets.push({
          key: keyOf(limit.name, entries, req.secretFree === true),
          capacity: limit.requestsPerUnit,
          periodMs: limit.periodMs,
          hits,
        });
      }
      if (buckets.length === 0) {
        return { code: "ok", descriptors: okVerdicts(count), retryAfterMs: 0, degraded: false };
      }

      let taken;
      try {
        taken = await opts.backend.take(buckets);
      } catch (err) {
        opts.onBackendError?.(err);
        const code = failureMode === "closed" ? "over_limit" : "ok";
        const descriptors = applied.map((limit): DescriptorVerdict => {
          if (limit === undefined) return okVerdict;
          opts.onVerdict?.(limit, code);
          return { code, limit };
        });
        return {
          code,
          descriptors,
          retryAfterMs: code === "over_limit" ? degradedRetryMs : 0,
          degraded: true,
        };
      }

      let retryAfterMs = 0;
      const descriptors: DescriptorVerdict[] = new Array(count);
      for (let i = 0; i < count; i++) {
        const limit = applied[i];
        const bucket = taken.buckets[bucketOf[i]!];
        if (limit === undefined || bucket === undefined) {
          descriptors[i] = okVerdict;
          continue;
        }
        const code = bucket.sufficient ? "ok" : "over_limit";
        if (code === "over_limit") retryAfterMs = Math.max(retryAfterMs, bucket.retryAfterMs);
        opts.onVerdict?.(limit, code);
        descriptors[i] = { code, limit, remaining: bucket.remaining, resetMs: bucket.resetMs };
      }
      return {
        code: taken.allowed ? "ok" : "over_limit",
        descriptors,
        retryAfterMs,
        degraded: false,
      };
    },
  };
}

/** The verdict on a descriptor that no limit applies to (shared: verdicts are read-only). */
const okVerdict: DescriptorVerdict = { code: "ok" };

function okVerdicts(count: number): DescriptorVerdict[] {
  return new Array<DescriptorVerdict>(count).fill(okVerdict);
}

/**
 * The bucket of one descriptor: domain, matched limit, and a digest of the entries. Values
 * are hashed so secrets (API keys) and client data never appear in Redis key names.
 */
export function bucketKey(
  domain: string,
  name: string,
  entries: readonly DescriptorEntry[],
): string {
  const digest = hash(
    "sha256",
    JSON.stringify(entries.map((e) => [e.key, e.value])),
    "base64url",
  ).slice(0, 32);
  return `${domain}:${name}:${digest}`;
}
