import { setTimeout as wait } from "node:timers/promises";

/**
 * Waits `ms` milliseconds, or less when `signal` aborts. Never rejects, so a loop that
 * sleeps between attempts checks its own stop condition after waking.
 */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return;
  try {
    await wait(Math.max(0, ms), undefined, signal ? { signal } : undefined);
  } catch {
    // Aborted: wake early.
  }
}

/** Options of {@link createBackoff}. */
export interface BackoffOptions {
  /** The ceiling of the first delay. */
  initialMs: number;
  /** The largest ceiling; the ceiling doubles per failed attempt up to this. */
  maxMs: number;
  /** A uniform random number in [0, 1); tests pass their own. */
  random?: () => number;
}

/** The delays of one retry loop. */
export interface Backoff {
  /** The delay before the next attempt: uniform in [0, ceiling], and the ceiling doubles. */
  next(): number;
  /** Starts over after a success. */
  reset(): void;
}

/**
 * Creates the delays of a retry loop: exponential backoff with full jitter, so that many
 * clients that failed together do not retry together. The n-th delay (from 0) is uniform in
 * [0, min(maxMs, initialMs · 2^n)].
 */
export function createBackoff(opts: BackoffOptions): Backoff {
  const random = opts.random ?? Math.random;
  let attempt = 0;
  return {
    next() {
      const ceiling = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(attempt, 30));
      attempt++;
      return Math.floor(random() * (ceiling + 1));
    },
    reset() {
      attempt = 0;
    },
  };
}
