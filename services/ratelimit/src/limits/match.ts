import { unitMs, type DescriptorRule, type LimitsConfig, type RateUnit } from "./config.js";

/** One `(key, value)` entry of a rate limit descriptor, as Envoy sends it. */
export interface DescriptorEntry {
  readonly key: string;
  readonly value: string;
}

/** The limit that applies to one descriptor. */
export type ResolvedLimit =
  | {
      readonly kind: "limited";
      /** The path of the matched node, for example `user` or `remote_address=10.0.0.7`. */
      readonly name: string;
      readonly requestsPerUnit: number;
      readonly unit: RateUnit;
      /** The unit in milliseconds: a bucket refills completely in this time. */
      readonly periodMs: number;
    }
  | { readonly kind: "unlimited"; readonly name: string };

/** The limit a node of a descriptor tree resolves to, made once per node (`null`: none). */
const resolvedOf = new WeakMap<DescriptorRule, ResolvedLimit | null>();

/** The child of `level` an entry selects: same key and value, else same key and no value. */
function childOf(
  level: readonly DescriptorRule[],
  entry: DescriptorEntry,
): DescriptorRule | undefined {
  let byKey: DescriptorRule | undefined;
  for (const r of level) {
    if (r.key !== entry.key) continue;
    if (r.value === entry.value) return r;
    if (r.value === undefined) byKey ??= r;
  }
  return byKey;
}

/**
 * Finds the limit of a descriptor: each entry selects a child of the current node, the one
 * with the same key and value if there is one, otherwise the one with the same key and no
 * value. A descriptor that leaves the tree, or ends on a node without a limit, is not limited
 * (`undefined`). The result is made once per node and shared: treat it as read-only.
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
  const name = path.join(".");
  if (node.unlimited) {
    return { kind: "unlimited", name };
  }
  if (node.rateLimit === undefined) {
    return null;
  }
  return {
    kind: "limited",
    name,
    requestsPerUnit: node.rateLimit.requestsPerUnit,
    unit: node.rateLimit.unit,
    periodMs: unitMs[node.rateLimit.unit],
  };
}
