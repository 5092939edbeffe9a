import { hash } from "node:crypto";
import type { BucketRequest } from "./backend/backend.js";
import type { LimitsConfig } from "./limits/config.js";
import { findLimit, type DescriptorEntry, type ResolvedLimit } from "./limits/match.js";

/** A limit that applies, with the numbers a client needs. */
export type AppliedLimit = Extract<ResolvedLimit, { kind: "limited" }>;

/** What a check asks: the descriptors of one request, in Envoy's shape. */
export interface CheckRequest {
  /** The rate limit domain; descriptors of a domain without limits are not limited. */
  readonly domain: string;
  readonly descriptors: readonly (readonly DescriptorEntry[])[];
  /** Tokens the request costs; 0 or absent means 1 (as Envoy's `hits_addend`). */
  readonly hits?: number;
  /**
   * True when no descriptor value is a secret (a raw API key is one; principal ids and
   * addresses are not): the request's plan (limits and bucket keys) is then remembered
   * instead of resolved and hashed on every check.
   */
  readonly secretFree?: boolean;
}

/** The verdict on one descriptor. */
export interface DescriptorVerdict {
  readonly code: "ok" | "over_limit";
  /** The limit that applied; absent when the descriptor is not limited. */
  readonly limit?: AppliedLimit;
  /** True when the descriptor matched an unlimited node: never limited. */
  readonly unlimited?: boolean;
  /** True when a shadow-mode limit was exceeded: answered OK, reported in metrics and logs. */
  readonly shadowed?: boolean;
  /** Whole requests left; absent when not limited or when the backend was not asked. */
  readonly remaining?: number;
  /** Milliseconds until the bucket is full again; absent when unknown. */
  readonly resetMs?: number;
}

/** Names the bucket of a descriptor (see {@link bucketKey}). */
export type BucketKeyOf = (
  domain: string,
  name: string,
  entries: readonly DescriptorEntry[],
) => string;

/** What a check does before it asks the backend. */
export interface CheckPlan {
  /** One verdict per descriptor, final for those without a bucket. */
  readonly verdicts: readonly DescriptorVerdict[];
  /** The buckets to take from. */
  readonly buckets: readonly BucketRequest[];
  /** The index of each descriptor's bucket in `buckets`, or -1. */
  readonly bucketOf: readonly number[];
  /** True when a limit of 0 requests rejects the request without asking the backend. */
  readonly blocked: boolean;
  /** When blocked: milliseconds until a retry could pass (the longest blocking unit). */
  readonly retryAfterMs: number;
}

/** The verdict on a descriptor that no limit applies to (shared: verdicts are read-only). */
const okVerdict: DescriptorVerdict = { code: "ok" };
/** The verdict on a descriptor that matched an unlimited node. */
const unlimitedVerdict: DescriptorVerdict = { code: "ok", unlimited: true };

/**
 * Resolves the descriptors of a request against its domain's limits, as envoyproxy/ratelimit
 * does: unlimited matches are never limited; a limit whose `rate_limit.name` is named by the
 * `replaces` of any limit matched in the same request drops out (it is neither checked nor
 * charged); a limit of 0 requests rejects without counting (unless in shadow mode); every
 * other limit becomes a bucket to take from.
 */
export function planCheck(
  config: LimitsConfig | undefined,
  req: CheckRequest,
  keyOf: BucketKeyOf,
): CheckPlan {
  const count = req.descriptors.length;
  const resolved = req.descriptors.map((entries) =>
    config === undefined ? undefined : findLimit(config, entries),
  );
  const replaced = new Set<string>();
  for (const r of resolved) for (const name of r?.replaces ?? []) replaced.add(name);

  const hits = Math.max(1, Math.floor(req.hits ?? 0));
  const verdicts: DescriptorVerdict[] = new Array(count);
  const bucketOf: number[] = new Array<number>(count).fill(-1);
  const buckets: BucketRequest[] = [];
  let blocked = false;
  let retryAfterMs = 0;
  for (let i = 0; i < count; i++) {
    const limit = resolved[i];
    if (limit === undefined) {
      verdicts[i] = okVerdict;
    } else if (limit.kind === "unlimited") {
      verdicts[i] = unlimitedVerdict;
    } else if (limit.limitName !== undefined && replaced.has(limit.limitName)) {
      verdicts[i] = okVerdict;
    } else if (limit.requestsPerUnit === 0) {
      const shadowed = limit.shadow;
      verdicts[i] = { code: shadowed ? "ok" : "over_limit", limit, remaining: 0, shadowed };
      if (!shadowed) {
        blocked = true;
        retryAfterMs = Math.max(retryAfterMs, limit.periodMs);
      }
    } else {
      verdicts[i] = { code: "ok", limit };
      bucketOf[i] = buckets.length;
      buckets.push({
        key: keyOf(req.domain, limit.name, req.descriptors[i]!),
        capacity: limit.requestsPerUnit,
        periodMs: limit.periodMs,
        hits,
        shadow: limit.shadow,
      });
    }
  }
  return { verdicts, buckets, bucketOf, blocked, retryAfterMs };
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
