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

/**
 * Finds the limit of a descriptor: each entry selects a child of the current node, the one
 * with the same key and value if there is one, otherwise the one with the same key and no
 * value. A descriptor that leaves the tree, or ends on a node without a limit, is not limited
 * (`undefined`).
 */
export function findLimit(
  config: LimitsConfig,
  entries: readonly DescriptorEntry[],
): ResolvedLimit | undefined {
  let level: readonly DescriptorRule[] = config.descriptors;
  let node: DescriptorRule | undefined;
  const path: string[] = [];
  for (const entry of entries) {
    node =
      level.find((r) => r.key === entry.key && r.value === entry.value) ??
      level.find((r) => r.key === entry.key && r.value === undefined);
    if (node === undefined) {
      return undefined;
    }
    path.push(node.value === undefined ? node.key : `${node.key}=${node.value}`);
    level = node.descriptors;
  }
  if (node === undefined) {
    return undefined;
  }
  const name = path.join(".");
  if (node.unlimited) {
    return { kind: "unlimited", name };
  }
  if (node.rateLimit === undefined) {
    return undefined;
  }
  return {
    kind: "limited",
    name,
    requestsPerUnit: node.rateLimit.requestsPerUnit,
    unit: node.rateLimit.unit,
    periodMs: unitMs[node.rateLimit.unit],
  };
}
