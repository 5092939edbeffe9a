/**
 * The time units a limit may use, as written in the YAML file (any letter case). They are
 * the units of Envoy's `RateLimitResponse.RateLimit.Unit`.
 */
export const rateUnits = ["second", "minute", "hour", "day", "month", "year"] as const;

/** One time unit of a limit. */
export type RateUnit = (typeof rateUnits)[number];

/** The length of each unit in milliseconds: the time a full bucket takes to refill. */
export const unitMs: Readonly<Record<RateUnit, number>> = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  month: 30 * 86_400_000,
  year: 365 * 86_400_000,
};

/**
 * A limit: `requestsPerUnit` requests per `unit`, with a burst of at most `requestsPerUnit`.
 * `0` rejects every request.
 */
export interface RateLimitSpec {
  readonly requestsPerUnit: number;
  readonly unit: RateUnit;
}

/**
 * One node of the descriptor tree. A request descriptor's entries walk the tree one level per
 * entry; the node reached by the last entry decides the limit.
 */
export interface DescriptorRule {
  /** The entry key, for example `user`, `api_key` or `remote_address`. */
  readonly key: string;
  /**
   * When set, the node matches only this value, or, when it holds `*`, the values the
   * pattern matches (each `*` stands for any text, also none). A value-less node matches any
   * value.
   */
  readonly value: string | undefined;
  /** The `*`-separated parts of a wildcard value; undefined for a plain value. */
  readonly wildcard: readonly string[] | undefined;
  /** The limit of requests whose last entry lands here. */
  readonly rateLimit: RateLimitSpec | undefined;
  /** True when requests landing here are never limited (for example a trusted address). */
  readonly unlimited: boolean;
  /** The limit's `rate_limit.name`: what `replaces` refers to, and the name Envoy is told. */
  readonly name: string | undefined;
  /** Names of limits this one replaces when both apply to one request. */
  readonly replaces: readonly string[];
  /** Counted and reported, but answered OK even when over the limit. */
  readonly shadowMode: boolean;
  /** Metrics carry the request's values instead of the node's path (capped, see metrics). */
  readonly detailedMetric: boolean;
  /** Nodes for the next entry of a descriptor. */
  readonly descriptors: readonly DescriptorRule[];
}

/** A parsed rate limit file: one domain and its descriptor tree. */
export interface LimitsConfig {
  /** The domain Envoy sends (the `domain` of its ratelimit filter). */
  readonly domain: string;
  readonly descriptors: readonly DescriptorRule[];
}

/** Thrown when a rate limit file is malformed; lists every problem with its location. */
export class LimitsConfigError extends Error {
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[]) {
    super(`invalid rate limit config ${source}:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "LimitsConfigError";
    this.problems = problems;
  }
}
