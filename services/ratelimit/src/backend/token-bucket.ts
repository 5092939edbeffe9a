import type { BucketRequest, BucketResult } from "./backend.js";

/** The stored state of one bucket: its tokens at `updatedMs`. A missing bucket is full. */
export interface BucketState {
  readonly tokens: number;
  readonly updatedMs: number;
}

/**
 * Returns the tokens a bucket holds at `nowMs`: its stored tokens plus the refill since its
 * last update (`capacity / periodMs` per millisecond), capped at `capacity`. A clock that went
 * backwards refills nothing.
 *
 * The Redis backend's Lua script does the same arithmetic in the same order, so both backends
 * agree to the last bit.
 */
export function tokensAt(
  state: BucketState | undefined,
  req: BucketRequest,
  nowMs: number,
): number {
  if (state === undefined) {
    return req.capacity;
  }
  const rate = req.capacity / req.periodMs;
  let tokens = state.tokens;
  if (nowMs > state.updatedMs) {
    tokens = tokens + (nowMs - state.updatedMs) * rate;
  }
  return Math.min(req.capacity, tokens);
}

/** Describes a bucket that held `before` tokens and holds `after` tokens after the take. */
export function describeBucket(before: number, after: number, req: BucketRequest): BucketResult {
  const rate = req.capacity / req.periodMs;
  return {
    sufficient: before >= req.hits,
    remaining: Math.floor(after),
    resetMs: Math.ceil((req.capacity - after) / rate),
    retryAfterMs: after >= req.hits ? 0 : Math.ceil((req.hits - after) / rate),
  };
}
