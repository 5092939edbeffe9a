import { unitMs, type DescriptorRule, type LimitsConfig, type RateUnit } from "./config.js";

/** One `(key, value)` entry of a rate limit descriptor, as Envoy sends it. */
export interface DescriptorEntry {
  readonly key: string;
  readonly value: string;
}

/** What every resolved limit carries. */
interface ResolvedCommon {
  /** The domain of the limits file the limit comes from. */
  readonly domain: string;
  /**
   * The path of the matched node, for example `user`, `remote_address=10.0.0.7` or
   * `path=/api/*`: names the bucket and the metrics.
   */
  readonly name: string;
  /** The configured `rate_limit.name`, which `replaces` refers to. */
  readonly limitName: string | undefined;
  /** Names of limits this one replaces when both apply to one request. */
  readonly replaces: readonly string[];
}

/** The limit that applies to one descriptor. */
export type ResolvedLimit =
  | (ResolvedCommon & {
      readonly kind: "limited";
      readonly requestsPerUnit: number;
      readonly unit: RateUnit;
      /** The unit in milliseconds: a bucket refills completely in this time. */
      readonly periodMs: number;
      /** Answered OK even when over the limit; counted and reported. */
      readonly shadow: boolean;
      /** Metrics name the request's values, not the node's path. */
      readonly detailed: boolean;
    })
  | (ResolvedCommon & { readonly kind: "unlimited" });

/** The limit a node of a descriptor tree resolves to, made once per node (`null`: none). */
const resolvedOf = new WeakMap<DescriptorRule, ResolvedLimit | null>();

/**
 * True when `value` matches a wildcard value split on `*`: it starts with the first part,
 * ends with the last, and holds the middle parts in order between them without overlap.
 */
export function wildcardMatches(parts: readonly string[], value: string): boolean {
  const first = parts[0] ?? "";
  const last = parts[parts.length - 1] ?? "";
  if (parts.length < 2) return first === value;
  if (value.length < first.length + last.length) return false;
  if (!value.startsWith(first) || !value.endsWith(last)) return false;
  let at = first.length;
  const end = value.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i]!;
    const found = value.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

/**
 * The child of `level` an entry selects, the most specific one: the node with the same key
 * and value, else the first node (in file order) with the same key whose wildcard value
 * matches, else the node with the same key and no value.
 */
function childOf(
  level: readonly DescriptorRule[],
  entry: DescriptorEntry,
): DescriptorRule | undefined {
  let byPattern: DescriptorRule | undefined;
  let byKey: DescriptorRule | undefined;
  for (const r of level) {
    if (r.key !== entry.key) continue;
    if (r.value === undefined) byKey ??= r;
    else if (r.wildcard === undefined) {
      if (r.value === entry.value) return r;
    } else if (byPattern === undefined && wildcardMatches(r.wildcard, entry.value)) {
      byPattern = r;
    }
  }
  return byPattern ?? byKey;
}

/**
 * Finds the limit of a descriptor: each entry selects a child of the current node (see
 * `childOf`: exact value, then wildcard, then key only). The node selected by the last entry
 * decides; a descriptor that leaves the tree, is longer than its branch, or ends on a node
 * without a limit is not limited (`undefined`). The result is made once per node and shared:
 * treat it as read-only.
 */
export function findLimit(
  config: LimitsConfig,
  entries: readonly DescriptorEntry[],
): ResolvedLimit | undefined {
  let level: readonly DescriptorRule[] = config.descriptors;
  let node: DescriptorRule | undefined;
  for (const entry of entries) {
    node = childOf(level, entry);
    if (node === undefined) {
      return undefined;
    }
    level = node.descriptors;
  }
  if (node === undefined) {
    return undefined;
  }
  let resolved = resolvedOf.get(node);
  if (resolved === undefined) {
    resolved = resolve(config, entries, node);
    resolvedOf.set(node, resolved);
  }
  return resolved ?? undefined;
}

/** The limit of `node`, reached from the root through `entries`, named by its path. */
function resolve(
  config: LimitsConfig,
  entries: readonly DescriptorEntry[],
  node: DescriptorRule,
): ResolvedLimit | null {
  const path: string[] = [];
  let level: readonly DescriptorRule[] = config.descriptors;
  for (const entry of entries) {
    const step = childOf(level, entry)!;
    path.push(step.value === undefined ? step.key : `${step.key}=${step.value}`);
    level = step.descriptors;
  }
  const common = {
    domain: config.domain,
    name: path.join("."),
    limitName: node.name,
    replaces: node.replaces,
  };
  if (node.unlimited) {
    return { kind: "unlimited", ...common };
  }
  if (node.rateLimit === undefined) {
    return null;
  }
  return {
    kind: "limited",
    ...common,
    requestsPerUnit: node.rateLimit.requestsPerUnit,
    unit: node.rateLimit.unit,
    periodMs: unitMs[node.rateLimit.unit],
    shadow: node.shadowMode,
    detailed: node.detailedMetric,
  };
}
