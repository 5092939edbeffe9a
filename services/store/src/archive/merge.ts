import type { RevisionRecord } from "../engine/types.js";

const byRevisionDesc = (a: RevisionRecord, b: RevisionRecord) =>
  a.revision > b.revision ? -1 : a.revision < b.revision ? 1 : 0;

/**
 * Merges one config's revision records from several sources (an engine's own log and the
 * archive) newest first. A record found in several sources, because it was copied or moved
 * while they were read, appears once; a later source wins.
 */
export function mergeNewestFirst(...sources: RevisionRecord[][]): RevisionRecord[] {
  const byRevision = new Map<bigint, RevisionRecord>();
  for (const source of sources) for (const r of source) byRevision.set(r.revision, r);
  return [...byRevision.values()].sort(byRevisionDesc);
}

/**
 * Picks, per key, the newest of the given records, in key order; on a tie the earlier source
 * wins. Deletions are kept: the caller decides what they mean.
 */
export function latestPerKey<T extends { record: RevisionRecord }>(...sources: T[][]): T[] {
  const latest = new Map<string, T>();
  for (const source of sources) {
    for (const item of source) {
      const seen = latest.get(item.record.key);
      if (!seen || seen.record.revision < item.record.revision) latest.set(item.record.key, item);
    }
  }
  // Keys are ASCII, so string order is the byte order of etcd and of COLLATE "C".
  return [...latest.values()].sort((a, b) =>
    a.record.key < b.record.key ? -1 : a.record.key > b.record.key ? 1 : 0,
  );
}
