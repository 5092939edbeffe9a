import type { BucketRequest, RateLimitBackend, TakeResult } from "./backend.js";
import { describeBucket, tokensAt, type BucketState } from "./token-bucket.js";

/** Options for {@link createMemoryBackend}. */
export interface MemoryBackendOptions {
  /** The clock, in milliseconds; tests pass a fake one. Default `Date.now`. */
  now?: () => number;
  /** Most buckets kept; the least recently used go first (a dropped bucket is full). Default 100 000. */
  maxBuckets?: number;
}

/**
 * Creates a backend that keeps token buckets in this process, with the same semantics as the
 * Redis backend. For one process (embedded mode); instances do not share counts.
 */
export function createMemoryBackend(opts: MemoryBackendOptions = {}): RateLimitBackend {
  const now = opts.now ?? Date.now;
  const maxBuckets = opts.maxBuckets ?? 100_000;
  const buckets = new Map<string, BucketState>();

  const store = (req: BucketRequest, tokens: number, at: number): void => {
    // Re-inserting keeps the map in least-recently-used order.
    buckets.delete(req.key);
    if (tokens < req.capacity) {
      buckets.set(req.key, { tokens, updatedMs: at });
    }
    if (buckets.size <= maxBuckets) return;
    for (const oldest of buckets.keys()) {
      if (buckets.size <= maxBuckets) break;
      buckets.delete(oldest);
    }
  };

  return {
    take(requests): Promise<TakeResult> {
      const at = now();
      const before = requests.map((req) => tokensAt(buckets.get(req.key), req, at));
      const allowed = requests.every(
        (req, i) => req.shadow === true || (before[i] ?? 0) >= req.hits,
      );
      const results = requests.map((req, i) => {
        const had = before[i] ?? 0;
        const after = allowed && had >= req.hits ? had - req.hits : had;
        store(req, after, at);
        return describeBucket(had, after, req);
      });
      return Promise.resolve({ allowed, buckets: results });
    },
    close() {
      buckets.clear();
      return Promise.resolve();
    },
  };
}
