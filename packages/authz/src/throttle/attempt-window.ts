import { LRUCache } from "lru-cache";

/** Options for {@link createAttemptWindow}. */
export interface AttemptWindowOptions {
  /** Attempts allowed per key within the window. */
  max: number;
  /** The sliding window, in milliseconds. */
  windowMs: number;
  /** Keys remembered at most; beyond it the least recently counted key is forgotten. */
  maxKeys?: number;
  /** The clock; tests pass their own. */
  now?: () => number;
}

/** A key that used up its attempts: how many it made and when the oldest one ages out. */
export interface AttemptsUsed {
  count: number;
  retryAfterMs: number;
}

/**
 * Counts attempts per key in a sliding window, in memory and bounded: each key keeps at most
 * `max` timestamps and at most `maxKeys` keys are kept. The least recently used key is evicted
 * first, one at a time: a flood of new keys never clears every key at once, and a locked key
 * that is still being tried stays.
 */
export interface AttemptWindow {
  /**
   * Counts one attempt when the key has attempts left and returns undefined; otherwise counts
   * nothing and says so. Synchronous, so concurrent callers can never pass it together.
   */
  take(key: string): AttemptsUsed | undefined;
  /** Returns how the key's attempts are used up, or undefined while it has some left. */
  exhausted(key: string): AttemptsUsed | undefined;
  /** Counts one attempt whether or not any are left. */
  add(key: string): void;
  /** Forgets a key's attempts. */
  reset(key: string): void;
  /** Keys currently remembered. */
  readonly size: number;
}

/** Creates an {@link AttemptWindow}. */
export function createAttemptWindow(opts: AttemptWindowOptions): AttemptWindow {
  const now = opts.now ?? Date.now;
  // lru-cache sizes its arrays for `max` up front: made on the first attempt, not at start.
  let cache: LRUCache<string, number[]> | undefined;
  const times = (): LRUCache<string, number[]> =>
    (cache ??= new LRUCache<string, number[]>({ max: opts.maxKeys ?? 100_000 }));

  const recent = (key: string, at: number): number[] =>
    (cache?.peek(key) ?? []).filter((t) => at - t < opts.windowMs);

  const used = (recentTimes: number[], at: number): AttemptsUsed | undefined => {
    if (recentTimes.length < opts.max) return undefined;
    const oldest = recentTimes[recentTimes.length - opts.max] ?? at;
    return { count: recentTimes.length, retryAfterMs: Math.max(1, opts.windowMs - (at - oldest)) };
  };

  const store = (key: string, recentTimes: number[]): void => {
    // Storing makes the key the most recently used one; reading it does not.
    times().set(key, recentTimes.slice(-opts.max));
  };

  return {
    take(key) {
      const at = now();
      const recentTimes = recent(key, at);
      const full = used(recentTimes, at);
      // A refused attempt still counts as use: a key under attack stays the newest, so a
      // flood of other keys evicts idle ones first.
      store(key, full ? recentTimes : [...recentTimes, at]);
      if (full) return full;
      return undefined;
    },
    exhausted(key) {
      const at = now();
      return cache?.has(key) ? used(recent(key, at), at) : undefined;
    },
    add(key) {
      const at = now();
      store(key, [...recent(key, at), at]);
    },
    reset(key) {
      cache?.delete(key);
    },
    get size() {
      return cache?.size ?? 0;
    },
  };
}
