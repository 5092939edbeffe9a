/** Options of {@link retryDelay}. */
export interface RetryDelayOptions {
  /** The ceiling after the first failed attempt. */
  baseMs: number;
  /** The largest ceiling. */
  maxMs: number;
  /** A uniform random number in [0, 1); tests pass their own. */
  random?: () => number;
}

/**
 * The delay before the next attempt of a job whose `attempts`-th attempt (from 1) failed:
 * exponential backoff with equal jitter. With ceiling = min(maxMs, baseMs · 2^(attempts−1)),
 * the delay is uniform in [ceiling / 2, ceiling], so retries spread out yet always wait.
 */
export function retryDelay(attempts: number, opts: RetryDelayOptions): number {
  const random = opts.random ?? Math.random;
  const exponent = Math.min(Math.max(attempts - 1, 0), 40);
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** exponent);
  return Math.floor(ceiling / 2 + random() * (ceiling / 2));
}
