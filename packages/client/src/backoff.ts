/**
 * Retry timing for the client: exponential backoff with full jitter, and an abortable delay.
 *
 * The client carries its own small copy instead of `@guardian/kit`'s: kit is the server
 * platform (logging, metrics, Node-only modules) and is not published.
 */

/** Options of {@link createRetryBackoff}. */
export interface RetryBackoffOptions {
  /** The ceiling of the first delay. Default 200 ms. */
  initialMs?: number;
  /** The largest ceiling. Default 10 s. */
  maxMs?: number;
  /** Source of randomness in [0, 1). Default Math.random. */
  random?: () => number;
}

/** A sequence of retry delays; `reset()` starts over after a success. */
export interface RetryBackoff {
  next(): number;
  reset(): void;
}

/**
 * Creates a backoff whose n-th delay is uniform in [0, min(maxMs, initialMs · 2ⁿ)] ("full
 * jitter"), so that many clients cut off together do not come back together.
 */
export function createRetryBackoff(opts: RetryBackoffOptions = {}): RetryBackoff {
  const initialMs = opts.initialMs ?? 200;
  const maxMs = opts.maxMs ?? 10_000;
  const random = opts.random ?? Math.random;
  let attempt = 0;
  return {
    next() {
      const ceiling = Math.min(maxMs, initialMs * Math.pow(2, Math.min(attempt, 30)));
      attempt++;
      return Math.floor(random() * (ceiling + 1));
    },
    reset() {
      attempt = 0;
    },
  };
}

/** Resolves after `ms`, or as soon as `signal` aborts (it never rejects). */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
