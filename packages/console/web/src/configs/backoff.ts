/**
 * Retry timing for the console's live views: exponential backoff with full jitter, and an
 * abortable delay. The browser carries its own small copy: kit's helpers are Node modules.
 */

/** A sequence of retry delays; `reset()` starts over after a success. */
export interface RetryBackoff {
  next(): number;
  reset(): void;
}

/** A backoff whose n-th delay is uniform in [0, min(maxMs, initialMs · 2ⁿ)]. */
export function createRetryBackoff(initialMs = 250, maxMs = 10_000): RetryBackoff {
  let attempt = 0;
  return {
    next() {
      const ceiling = Math.min(maxMs, initialMs * Math.pow(2, Math.min(attempt, 30)));
      attempt++;
      return Math.floor(Math.random() * (ceiling + 1));
    },
    reset() {
      attempt = 0;
    },
  };
}

/** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
