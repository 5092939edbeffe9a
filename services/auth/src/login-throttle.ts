import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { LimitExceededSchema } from "@guardian/api";
import type { Queryable } from "@guardian/db";
import { clearLoginGuesses, countLoginGuess } from "./sql/login-attempts.js";

/**
 * Counts password guesses per account and refuses them after too many. Keys are opaque:
 * callers pass {@link loginKeyOf}, so that every spelling of one account shares one count.
 * The count is kept in PostgreSQL, so every process of a deployment shares it.
 */
export interface LoginThrottle {
  /**
   * Counts a guess before its password is checked. Throws ResourceExhausted (with
   * LimitExceeded and retry_after) when the key has no guesses left; the guess is then not
   * checked at all. Concurrent guesses are counted one by one, in whichever process, so at
   * most `maxFailures` of them are ever checked within the window.
   */
  attempt(key: string): Promise<void>;
  /** Forgets the counted guesses after the right password. */
  succeed(key: string): Promise<void>;
}

/** Options for {@link createLoginThrottle}. */
export interface LoginThrottleOptions {
  pool: Queryable;
  maxFailures: number;
  windowMs: number;
}

/**
 * Returns the lockout key of a sign-in: the account when the name resolved to one (so every
 * spelling the lookup accepts shares the count), otherwise the canonical name.
 */
export function loginKeyOf(account: { id: string } | undefined, canonicalName: string): string {
  return account ? `account:${account.id}` : `name:${canonicalName}`;
}

/**
 * Creates the login throttle: at most `maxFailures` guesses per key within `windowMs`, in
 * every process together (table `login_attempts`), a right password resetting the count.
 */
export function createLoginThrottle(opts: LoginThrottleOptions): LoginThrottle {
  return {
    async attempt(key) {
      const guess = await countLoginGuess(opts.pool, key, opts.maxFailures, opts.windowMs);
      if (guess.counted) return;
      const retryAfterMs = Math.max(1000, guess.retryAt.getTime() - Date.now());
      const seconds = Math.ceil(retryAfterMs / 1000);
      throw new ConnectError(
        `too many failed sign-in attempts; retry in ${seconds} s`,
        Code.ResourceExhausted,
        { "retry-after": String(seconds) },
        [
          {
            desc: LimitExceededSchema,
            value: create(LimitExceededSchema, {
              limit: "rate:login",
              max: BigInt(opts.maxFailures),
              actual: BigInt(guess.count),
              retryAfter: durationFromMs(retryAfterMs),
            }),
          },
        ],
      );
    },
    async succeed(key) {
      await clearLoginGuesses(opts.pool, key);
    },
  };
}
