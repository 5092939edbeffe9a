import type { InstanceChange, InstanceInfo, InstanceWatchItem } from "./types.js";

/** Tells whether an instance carries every one of `tags`. */
export function hasTags(instance: InstanceInfo, tags: readonly string[]): boolean {
  return tags.every((t) => instance.tags.includes(t));
}

/** Narrows a read of a service's instances to those carrying every one of `tags`. */
export function withTags(
  read: { all: InstanceInfo[]; revision: bigint },
  tags: readonly string[],
): { instances: InstanceInfo[]; revision: bigint } {
  return { instances: read.all.filter((i) => hasTags(i, tags)), revision: read.revision };
}

function sameRegistration(a: InstanceInfo, b: InstanceInfo): boolean {
  return (
    a.leaseId === b.leaseId &&
    a.address === b.address &&
    a.port === b.port &&
    a.tags.join("\u0000") === b.tags.join("\u0000") &&
    JSON.stringify(sortedEntries(a.metadata)) === JSON.stringify(sortedEntries(b.metadata))
  );
}

function sortedEntries(m: Record<string, string>): [string, string][] {
  return Object.entries(m).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
}

/**
 * Classifies one instance's change as a watcher filtered by `tags` sees it: UP when it
 * starts matching, DOWN (carrying the old state) when it stops, UPDATED when a matching
 * registration was replaced or changed. A heartbeat (only times move) is no change.
 */
export function classifyChange(
  before: InstanceInfo | undefined,
  after: InstanceInfo | undefined,
  tags: readonly string[],
): { type: InstanceChange; instance: InstanceInfo } | undefined {
  const was = before !== undefined && hasTags(before, tags);
  const is = after !== undefined && hasTags(after, tags);
  if (was && !is) return { type: "down", instance: before };
  if (!was && is) return { type: "up", instance: after };
  if (was && is && !sameRegistration(before, after)) return { type: "updated", instance: after };
  return undefined;
}

/** Returns the events that turn one set of instances (by id) into another, ordered by id. */
export function diffInstances(
  before: ReadonlyMap<string, InstanceInfo>,
  after: ReadonlyMap<string, InstanceInfo>,
  tags: readonly string[],
  revision: bigint,
): InstanceWatchItem[] {
  const ids = [...new Set([...before.keys(), ...after.keys()])].sort(compareIds);
  const items: InstanceWatchItem[] = [];
  for (const id of ids) {
    const change = classifyChange(before.get(id), after.get(id), tags);
    if (change) items.push({ kind: "event", ...change, revision });
  }
  return items;
}

/** Orders instance ids (and other ASCII names) by code unit, like the stores do. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
