import type { KeyValue, RangeResult } from "../types.js";
import { writeToKeyValue, type StoredWrite } from "./envelope.js";
import { collectPage, type PageOptions } from "../page.js";

/**
 * The in-memory current values of every config of one store namespace, kept by the engine's
 * upstream watch. It answers reads that ask for "at least revision R" once the watch has
 * delivered R.
 */
export interface ValueCache {
  get(project: string, key: string): KeyValue | undefined;
  /** The current value of a config with its write count (see StoredWrite.seq). */
  withSeq(project: string, key: string): { kv: KeyValue; seq: number } | undefined;
  range(project: string, prefix: string, opts: PageOptions): Omit<RangeResult, "revision">;
  /** Applies one committed write (a put or a deletion) in revision order. */
  apply(w: StoredWrite): void;
  /** Replaces the whole content with a snapshot of the value keys. */
  reset(writes: StoredWrite[]): void;
  readonly size: number;
}

interface ProjectValues {
  values: Map<string, KeyValue>;
  /** Each key's write count, for the write path. */
  seqs: Map<string, number>;
  /** The keys in byte order; rebuilt lazily after a key is added or removed. */
  sorted?: string[];
}

/** Creates an empty value cache. */
export function createValueCache(): ValueCache {
  let projects = new Map<string, ProjectValues>();
  let size = 0;

  function sortedKeys(p: ProjectValues): string[] {
    // Keys are ASCII, so string order is etcd's byte order.
    p.sorted ??= [...p.values.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return p.sorted;
  }

  function lowerBound(keys: string[], target: string): number {
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  function apply(w: StoredWrite) {
    const r = w.record;
    let p = projects.get(r.project);
    if (r.deleted) {
      if (p?.values.delete(r.key)) {
        p.seqs.delete(r.key);
        p.sorted = undefined;
        size--;
      }
      return;
    }
    if (!p) {
      p = { values: new Map(), seqs: new Map() };
      projects.set(r.project, p);
    }
    if (!p.values.has(r.key)) {
      p.sorted = undefined;
      size++;
    }
    p.values.set(r.key, writeToKeyValue(w));
    p.seqs.set(r.key, w.seq);
  }

  return {
    get size() {
      return size;
    },
    get(project, key) {
      return projects.get(project)?.values.get(key);
    },
    withSeq(project, key) {
      const p = projects.get(project);
      const kv = p?.values.get(key);
      const seq = p?.seqs.get(key);
      return kv && seq !== undefined ? { kv, seq } : undefined;
    },
    range(project, prefix, opts) {
      const p = projects.get(project);
      if (!p) return { kvs: [], more: false, count: 0n };
      const keys = sortedKeys(p);
      const first = lowerBound(keys, prefix);
      let end = first;
      while (end < keys.length && keys[end]!.startsWith(prefix)) end++;
      const from = opts.after !== undefined ? Math.max(first, lowerBound(keys, opts.after)) : first;
      function* values() {
        for (let i = from; i < end; i++) yield p!.values.get(keys[i]!)!;
      }
      return { ...collectPage(values(), opts), count: BigInt(end - first) };
    },
    apply,
    reset(writes) {
      projects = new Map();
      size = 0;
      for (const w of writes) apply(w);
    },
  };
}
