import { readFile } from "node:fs/promises";
import { parse } from "yaml";

/** The time units a limit may use, as written in the YAML file. */
export const rateUnits = ["second", "minute", "hour", "day"] as const;

/** One time unit of a limit. */
export type RateUnit = (typeof rateUnits)[number];

/** The length of each unit in milliseconds: the time a full bucket takes to refill. */
export const unitMs: Readonly<Record<RateUnit, number>> = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** A limit: `requestsPerUnit` requests per `unit`, with a burst of at most `requestsPerUnit`. */
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
  /** When set, the node matches only this value; a value-less node matches any value. */
  readonly value: string | undefined;
  /** The limit of requests whose last entry lands here. */
  readonly rateLimit: RateLimitSpec | undefined;
  /** True when requests landing here are never limited (for example a trusted address). */
  readonly unlimited: boolean;
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

/** Reads and validates a rate limit YAML file. */
export async function loadLimits(path: string): Promise<LimitsConfig> {
  return parseLimits(await readFile(path, "utf8"), path);
}

/**
 * Parses and validates rate limit YAML:
 *
 * ```yaml
 * domain: guardian
 * descriptors:
 *   - key: user
 *     rate_limit: { unit: minute, requests_per_unit: 600 }
 *   - key: remote_address
 *     value: 10.0.0.7
 *     unlimited: true
 * ```
 *
 * Unknown fields, duplicate siblings and out-of-range numbers are errors, so a typo never
 * silently disables a limit.
 */
export function parseLimits(text: string, source = "<input>"): LimitsConfig {
  const problems: string[] = [];
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new LimitsConfigError(source, [`not valid YAML: ${(err as Error).message}`]);
  }
  if (!isRecord(doc)) {
    throw new LimitsConfigError(source, ["expected a mapping with domain and descriptors"]);
  }
  unknownFields(doc, ["domain", "descriptors"], "", problems);
  const domain = doc["domain"];
  if (typeof domain !== "string" || domain.trim() === "") {
    problems.push("domain: expected a non-empty string");
  }
  const descriptors = parseRules(doc["descriptors"], "descriptors", problems);
  if (problems.length > 0) {
    throw new LimitsConfigError(source, problems);
  }
  return { domain: domain as string, descriptors };
}

function parseRules(raw: unknown, at: string, problems: string[]): DescriptorRule[] {
  if (raw === undefined || raw === null) {
    return [];
  }
  if (!Array.isArray(raw)) {
    problems.push(`${at}: expected a list`);
    return [];
  }
  const seen = new Set<string>();
  return raw.flatMap((item: unknown, i) => {
    const here = `${at}[${i}]`;
    const rule = parseRule(item, here, problems);
    if (rule === undefined) {
      return [];
    }
    const id = JSON.stringify([rule.key, rule.value ?? null]);
    if (seen.has(id)) {
      problems.push(
        `${here}: duplicate descriptor ${rule.key}${rule.value ? `=${rule.value}` : ""}`,
      );
    }
    seen.add(id);
    return [rule];
  });
}

function parseRule(item: unknown, at: string, problems: string[]): DescriptorRule | undefined {
  if (!isRecord(item)) {
    problems.push(`${at}: expected a mapping`);
    return undefined;
  }
  unknownFields(item, ["key", "value", "rate_limit", "unlimited", "descriptors"], at, problems);
  const { key, value, unlimited } = item;
  if (typeof key !== "string" || key === "") {
    problems.push(`${at}.key: expected a non-empty string`);
  }
  if (value !== undefined && (typeof value !== "string" || value === "")) {
    problems.push(`${at}.value: expected a non-empty string`);
  }
  if (unlimited !== undefined && typeof unlimited !== "boolean") {
    problems.push(`${at}.unlimited: expected true or false`);
  }
  const rateLimit = parseRateLimit(item["rate_limit"], `${at}.rate_limit`, problems);
  if (rateLimit !== undefined && unlimited === true) {
    problems.push(`${at}: rate_limit and unlimited exclude each other`);
  }
  return {
    key: key as string,
    value: value as string | undefined,
    rateLimit,
    unlimited: unlimited === true,
    descriptors: parseRules(item["descriptors"], `${at}.descriptors`, problems),
  };
}

function parseRateLimit(raw: unknown, at: string, problems: string[]): RateLimitSpec | undefined {
  if (raw === undefined) {
    return undefined;
  }
  if (!isRecord(raw)) {
    problems.push(`${at}: expected a mapping with unit and requests_per_unit`);
    return undefined;
  }
  unknownFields(raw, ["unit", "requests_per_unit"], at, problems);
  const unit = raw["unit"];
  const requests = raw["requests_per_unit"];
  const okUnit = typeof unit === "string" && (rateUnits as readonly string[]).includes(unit);
  if (!okUnit) {
    problems.push(`${at}.unit: expected one of ${rateUnits.join(", ")}`);
  }
  const okRequests =
    typeof requests === "number" &&
    Number.isInteger(requests) &&
    requests >= 1 &&
    requests <= 0xffff_ffff;
  if (!okRequests) {
    problems.push(`${at}.requests_per_unit: expected an integer between 1 and 4294967295`);
  }
  return okUnit && okRequests
    ? { unit: unit as RateUnit, requestsPerUnit: requests as number }
    : undefined;
}

function unknownFields(
  obj: Record<string, unknown>,
  known: readonly string[],
  at: string,
  problems: string[],
): void {
  for (const field of Object.keys(obj)) {
    if (!known.includes(field)) {
      problems.push(`${at === "" ? "" : `${at}.`}${field}: unknown field`);
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
