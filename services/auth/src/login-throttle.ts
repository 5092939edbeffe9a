import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { LimitExceededSchema } from "@guardian/api";

/** Counts failed logins per username and refuses Login after too many. */
export interface LoginThrottle {
  /** Throws ResourceExhausted (with LimitExceeded and retry_after) while locked out. */
  check(username: string): void;
  /** Records a failed attempt. */
  fail(username: string): void;
  /** Forgets the failures after a successful login. */
  succeed(username: string): void;
}

/**
 * Creates an in-process login throttle: at most `maxFailures` failed logins per username
 * within `windowMs`. Each process counts on its own; the gateway's rate limits bound the
 * total across processes.
 */
export function createLoginThrottle(opts: {
  maxFailures: number;
  windowMs: number;
}): LoginThrottle {
  const failures = new Map<string, number[]>();
  const recent = (username: string, now: number) =>
    (failures.get(username) ?? []).filter((t) => now - t < opts.windowMs);
  return {
    check(username) {
      const key = username.toLowerCase();
      const now = Date.now();
      const times = recent(key, now);
      if (times.length < opts.maxFailures) return;
      const retryAfterMs = Math.max(1000, opts.windowMs - (now - times[0]!));
      throw new ConnectError(
        `too many failed sign-in attempts; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
        Code.ResourceExhausted,
        undefined,
        [
          {
            desc: LimitExceededSchema,
            value: create(LimitExceededSchema, {
              limit: "rate:login",
              max: BigInt(opts.maxFailures),
              actual: BigInt(times.length),
              retryAfter: durationFromMs(retryAfterMs),
            }),
          },
        ],
      );
    },
    fail(username) {
      const key = username.toLowerCase();
      const now = Date.now();
      if (failures.size > 100_000) failures.clear();
      failures.set(key, [...recent(key, now), now].slice(-opts.maxFailures));
    },
    succeed(username) {
      failures.delete(username.toLowerCase());
    },
  };
}
