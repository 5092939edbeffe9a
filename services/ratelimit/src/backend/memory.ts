import type { BucketRequest, BucketResult, RateLimitBackend, TakeResult } from "./backend.js";
import { describeBucket, tokensAt } from "./token-bucket.js";

/** Options for {@link createMemoryBackend}. */
export interface MemoryBackendOptions {
  /** The clock, in milliseconds; tests pass a fake one. Default `Date.now`. */
  now?: () => number;
  /** Most buckets kept; the least recently used go first (a dropped bucket is full). Default 100 000. */
  maxBuckets?: number;
}

/** A stored bucket, updated in place; `seq` numbers its place in the map's order. */
interface Slot {
  tokens: number;
  updatedMs: number;
  seq: number;
}

/**
 * Creates a backend that keeps token buckets in this process, with the same semantics as the
 * Redis backend. For one process (embedded mode); instances do not share counts.
 *
 * Beyond `maxBuckets` the least recently used buckets are forgotten. A bucket is moved to the
 * recent end of the map only when it has fallen into the older half (more than half of
 * `maxBuckets` insertions ago); a take otherwise updates it in place. So a bucket used within
 * the last `maxBuckets / 2` insertions is never forgotten, and a busy bucket costs no map
 * insertion per take.
 */
export function createMemoryBackend(opts: MemoryBackendOptions = {}): RateLimitBackend {
  const now = opts.now ?? Date.now;
  const maxBuckets = opts.maxBuckets ?? 100_000;
  const refreshAfter = Math.max(1, Math.floor(maxBuckets / 2));
  const buckets = new Map<string, Slot>();
  let inserted = 0;

  // A dropped slot never counts as recent again (a take naming one key twice holds it twice).
  const drop = (key: string, slot: Slot): void => {
    buckets.delete(key);
    slot.seq = -Infinity;
  };
  const store = (req: BucketRequest, slot: Slot | undefined, tokens: number, at: number): void => {
    if (tokens >= req.capacity) {
      // A full bucket is the same as a missing one.
      if (slot !== undefined) drop(req.key, slot);
      return;
    }
    if (slot !== undefined && inserted - slot.seq < refreshAfter) {
      slot.tokens = tokens;
      slot.updatedMs = at;
      return;
    }
    if (slot !== undefined) drop(req.key, slot);
    buckets.set(req.key, { tokens, updatedMs: at, seq: ++inserted });
    if (buckets.size <= maxBuckets) return;
    for (const oldest of buckets.keys()) {
      if (buckets.size <= maxBuckets) break;
      buckets.delete(oldest);
    }
  };

  return {
    take(requests): Promise<TakeResult> {
      const at = now();
      const n = requests.length;
      const slots = new Array<Slot | undefined>(n);
      const before = new Array<number>(n);
      let allowed = true;
      for (let i = 0; i < n; i++) {
        const req = requests[i]!;
        const slot = buckets.get(req.key);
        const had = tokensAt(slot, req, at);
        slots[i] = slot;
        before[i] = had;
        if (req.shadow !== true && had < req.hits) allowed = false;
      }
      const results = new Array<BucketResult>(n);
      for (let i = 0; i < n; i++) {
        const req = requests[i]!;
        const had = before[i]!;
        const after = allowed && had >= req.hits ? had - req.hits : had;
        store(req, slots[i], after, at);
        results[i] = describeBucket(had, after, req);
      }
      return Promise.resolve({ allowed, buckets: results });
    },
    close() {
      buckets.clear();
      return Promise.resolve();
    },
  };
}
