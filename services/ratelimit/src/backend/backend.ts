/** One token bucket to take from: at most `capacity` tokens, refilled completely every `periodMs`. */
export interface BucketRequest {
  /** Identifies the bucket; equal keys share one bucket. */
  readonly key: string;
  /** The burst size and the number of tokens added per `periodMs`. */
  readonly capacity: number;
  /** The time a bucket takes to refill from empty to full, in milliseconds. */
  readonly periodMs: number;
  /** Tokens this request costs (at least 1). */
  readonly hits: number;
  /**
   * A shadow bucket never rejects the take: its result still says whether it held enough,
   * and it is charged (when it holds enough) only if the take is allowed.
   */
  readonly shadow?: boolean;
}

/** One bucket after a take. */
export interface BucketResult {
  /** True when the bucket held at least `hits` tokens before the take. */
  readonly sufficient: boolean;
  /** Whole tokens left after the take. */
  readonly remaining: number;
  /** Milliseconds until the bucket is full again (0 when it is full). */
  readonly resetMs: number;
  /** Milliseconds until the bucket holds `hits` tokens (0 when it does now). */
  readonly retryAfterMs: number;
}

/** The outcome of taking from several buckets at once. */
export interface TakeResult {
  /**
   * True when every bucket that is not a shadow was sufficient; only then were tokens taken,
   * from all of them (and from the sufficient shadow buckets).
   */
  readonly allowed: boolean;
  /** One result per requested bucket, in request order. */
  readonly buckets: readonly BucketResult[];
}

/**
 * Where token buckets live: Redis (shared by every instance) or process memory.
 *
 * A take is all-or-nothing and atomic: it removes `hits` tokens from every bucket only when
 * every bucket holds enough, so a request rejected by one limit costs nothing in the others.
 * Shadow buckets do not take part in that decision: an allowed take charges those that hold
 * enough and leaves the others as they are.
 */
export interface RateLimitBackend {
  /** Takes tokens from the buckets; rejects when the backend cannot be reached. */
  take(requests: readonly BucketRequest[]): Promise<TakeResult>;
  /** Whether a shared backend holds a live connection now (unset: a backend in memory). */
  connected?(): boolean;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/** Thrown by a backend that cannot answer (Redis down or too slow). */
export class BackendUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BackendUnavailableError";
  }
}
