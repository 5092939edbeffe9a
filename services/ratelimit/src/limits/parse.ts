import { parse } from "yaml";
import {
  LimitsConfigError,
  rateUnits,
  type DescriptorRule,
  type LimitsConfig,
  type RateLimitSpec,
  type RateUnit,
} from "./config.js";

/** Fields of envoyproxy/ratelimit's format that Guardian does not implement, and why not. */
const unsupported: Readonly<Record<string, string>> = {
  quota_mode: "quota mode is not supported",
  value_to_metric: "values in metric names are not supported (use detailed_metric)",
  share_threshold: "thresholds shared by wildcard matches are not supported",
  metadata: "response metadata is not supported",
};

/**
 * Parses and validates one rate limit YAML document, in envoyproxy/ratelimit's format
 * (Guardian's own `unlimited: true` beside `key` is accepted too):
 *
 * ```yaml
 * domain: guardian
 * descriptors:
 *   - key: user
 *     rate_limit: { unit: minute, requests_per_unit: 600, name: users }
 *   - key: remote_address
 *     value: "10.0.*"
 *     rate_limit: { unlimited: true }
 * ```
 *
 * Unknown fields, invalid units, duplicate siblings and out-of-range numbers are errors naming
 * their path, so a typo never silently disables a limit. Every problem is listed at once.
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
        `${here}: duplicate descriptor ${rule.key}${rule.value === undefined ? "" : `=${rule.value}`}`,
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
  const known = [
    "key",
    "value",
    "rate_limit",
    "unlimited",
    "shadow_mode",
    "detailed_metric",
    "descriptors",
  ];
  unknownFields(item, known, at, problems);
  const { key } = item;
  if (typeof key !== "string" || key === "") {
    problems.push(`${at}.key: expected a non-empty string`);
  }
  const value = scalarText(item["value"]);
  if (value === null || value === "") {
    problems.push(`${at}.value: expected a non-empty string`);
  }
  const unlimited = flag(item, "unlimited", at, problems);
  const limit = parseRateLimit(item["rate_limit"], `${at}.rate_limit`, problems);
  if (unlimited && limit !== undefined && !limit.unlimited) {
    problems.push(`${at}: rate_limit and unlimited exclude each other`);
  }
  const plain = value === null || value === undefined || value === "" ? undefined : value;
  return {
    key: key as string,
    value: plain,
    wildcard: plain?.includes("*") ? plain.split("*") : undefined,
    rateLimit: limit?.spec,
    unlimited: unlimited || limit?.unlimited === true,
    name: limit?.name,
    replaces: limit?.replaces ?? [],
    shadowMode: flag(item, "shadow_mode", at, problems),
    detailedMetric: flag(item, "detailed_metric", at, problems),
    descriptors: parseRules(item["descriptors"], `${at}.descriptors`, problems),
  };
}

interface ParsedRateLimit {
  readonly spec: RateLimitSpec | undefined;
  readonly unlimited: boolean;
  readonly name: string | undefined;
  readonly replaces: readonly string[];
}

function parseRateLimit(raw: unknown, at: string, problems: string[]): ParsedRateLimit | undefined {
  if (raw === undefined) {
    return undefined;
  }
  if (!isRecord(raw)) {
    problems.push(`${at}: expected a mapping with unit and requests_per_unit`);
    return undefined;
  }
  unknownFields(raw, ["unit", "requests_per_unit", "unlimited", "name", "replaces"], at, problems);
  const unlimited = flag(raw, "unlimited", at, problems);
  const name = raw["name"];
  if (name !== undefined && (typeof name !== "string" || name === "")) {
    problems.push(`${at}.name: expected a non-empty string`);
  }
  const replaces = parseReplaces(raw["replaces"], `${at}.replaces`, problems);
  if (typeof name === "string" && replaces.includes(name)) {
    problems.push(`${at}.replaces: a limit cannot replace itself (${name})`);
  }
  const named = typeof name === "string" && name !== "" ? name : undefined;
  const unit = raw["unit"];
  if (unlimited) {
    // As envoyproxy/ratelimit: an unlimited limit names no unit (its count is ignored).
    if (unit !== undefined) problems.push(`${at}.unit: an unlimited limit has no unit`);
    return { spec: undefined, unlimited, name: named, replaces };
  }
  const unitName = typeof unit === "string" ? unit.toLowerCase() : undefined;
  const okUnit = unitName !== undefined && (rateUnits as readonly string[]).includes(unitName);
  if (!okUnit) {
    problems.push(
      `${at}.unit: ${unit === undefined ? "required" : `invalid unit ${JSON.stringify(unit)}`}, expected one of ${rateUnits.join(", ")}`,
    );
  }
  const requests = raw["requests_per_unit"];
  const okRequests =
    typeof requests === "number" &&
    Number.isInteger(requests) &&
    requests >= 0 &&
    requests <= 0xffff_ffff;
  if (!okRequests) {
    const why = requests === undefined ? "required" : "expected";
    problems.push(`${at}.requests_per_unit: ${why} an integer between 0 and 4294967295`);
  }
  const spec =
    okUnit && okRequests
      ? { unit: unitName as RateUnit, requestsPerUnit: requests as number }
      : undefined;
  return { spec, unlimited, name: named, replaces };
}

function parseReplaces(raw: unknown, at: string, problems: string[]): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.push(`${at}: expected a list of {name}`);
    return [];
  }
  return raw.flatMap((item: unknown, i) => {
    const here = `${at}[${i}]`;
    if (!isRecord(item)) {
      problems.push(`${here}: expected a mapping with name`);
      return [];
    }
    unknownFields(item, ["name"], here, problems);
    const name = item["name"];
    if (typeof name !== "string" || name === "") {
      problems.push(`${here}.name: expected a non-empty string`);
      return [];
    }
    return [name];
  });
}

/** An optional boolean field; a wrong type is a problem and reads as false. */
function flag(obj: Record<string, unknown>, field: string, at: string, problems: string[]) {
  const value = obj[field];
  if (value !== undefined && typeof value !== "boolean") {
    problems.push(`${at}.${field}: expected true or false`);
  }
  return value === true;
}

/** A value as text: strings as they are, numbers and booleans as YAML wrote them; else null. */
function scalarText(value: unknown): string | null | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return null;
}

function unknownFields(
  obj: Record<string, unknown>,
  known: readonly string[],
  at: string,
  problems: string[],
): void {
  for (const field of Object.keys(obj)) {
    if (known.includes(field)) continue;
    const path = `${at === "" ? "" : `${at}.`}${field}`;
    const feature = unsupported[field];
    problems.push(
      feature === undefined
        ? `${path}: unknown field`
        : `${path}: envoyproxy/ratelimit's ${feature}`,
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
