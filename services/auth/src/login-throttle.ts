import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { LimitExceededSchema } from "@guardian/api";
import { createAttemptWindow } from "@guardian/authz";

/**
 * Counts password guesses per account and refuses them after too many. Keys are opaque:
 * callers pass {@link loginKeyOf}, so that every spelling of one account shares one count.
 */
export interface LoginThrottle {
  /**
   * Counts a guess before its password is checked. Throws ResourceExhausted (with
   * LimitExceeded and retry_after) when the key has no guesses left; the guess is then not
   * checked at all. Synchronous: concurrent guesses are counted one by one, so at most
   * `maxFailures` of them are ever checked within the window.
   */
  attempt(key: string): void;
  /** Forgets the counted guesses after the right password. */
  succeed(key: string): void;
}

/** Options for {@link createLoginThrottle}. */
export interface LoginThrottleOptions {
  maxFailures: number;
  windowMs: number;
  /** Accounts and names remembered at most; the least recently guessed are evicted first. */
  maxKeys?: number;
}

/**
 * Returns the lockout key of a sign-in: the account when the name resolved to one (so every
 * spelling the lookup accepts shares the count), otherwise the canonical name.
 */
export function loginKeyOf(account: { id: string } | undefined, canonicalName: string): string {
  return account ? `account:${account.id}` : `name:${canonicalName}`;
}

/**
 * Creates an in-process login throttle: at most `maxFailures` guesses per key within
 * `windowMs`, a right password resetting the count. Each process counts on its own; the
 * per-address limit on failed authentication and the gateway's rate limits bound the total.
 */
export function createLoginThrottle(opts: LoginThrottleOptions): LoginThrottle {
  const window = createAttemptWindow({
    max: opts.maxFailures,
    windowMs: opts.windowMs,
    ...(opts.maxKeys === undefined ? {} : { maxKeys: opts.maxKeys }),
  });
  return {
    attempt(key) {
      const used = window.take(key);
      if (!used) return;
      throw new ConnectError(
        `too many failed sign-in attempts; retry in ${Math.ceil(used.retryAfterMs / 1000)} s`,
        Code.ResourceExhausted,
        { "retry-after": String(Math.ceil(used.retryAfterMs / 1000)) },
        [
          {
            desc: LimitExceededSchema,
            value: create(LimitExceededSchema, {
              limit: "rate:login",
              max: BigInt(opts.maxFailures),
              actual: BigInt(used.count),
              retryAfter: durationFromMs(Math.max(1000, used.retryAfterMs)),
            }),
          },
        ],
      );
    },
    succeed(key) {
      window.reset(key);
    },
  };
}
