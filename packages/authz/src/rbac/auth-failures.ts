import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { LimitExceededSchema } from "@guardian/api";
import { remoteAddressKey } from "@guardian/kit";
import { createAttemptWindow } from "../throttle/attempt-window.js";

/** Options for {@link createAuthFailures}. */
export interface AuthFailuresOptions {
  /** Failed authentications per client address within the window before calls are refused. */
  max: number;
  windowMs: number;
  /** Addresses remembered at most; the least recently failing is forgotten first. */
  maxKeys?: number;
}

/**
 * Limits failed authentication per client address: after `max` failures within the window,
 * every call from that address is refused with ResourceExhausted until the oldest failure
 * ages out, before its credentials are looked at or its body is read.
 */
export interface AuthFailures {
  /** Returns the ResourceExhausted error for an address over the limit, or undefined. */
  refusal(address: string): ConnectError | undefined;
  /** Counts one failed authentication of an address. */
  fail(address: string): void;
  /**
   * Refuses calls from addresses over the limit and counts every call that ends in
   * Unauthenticated (rejected credentials, a wrong password). Runs before authentication;
   * the gRPC health service is exempt.
   */
  interceptor: Interceptor;
}

/** Services never refused for an address's failures (probes must keep working). */
const exempt = new Set(["grpc.health.v1.Health"]);

/** Creates the per-address limit on failed authentication. */
export function createAuthFailures(opts: AuthFailuresOptions): AuthFailures {
  const window = createAttemptWindow({
    max: opts.max,
    windowMs: opts.windowMs,
    ...(opts.maxKeys === undefined ? {} : { maxKeys: opts.maxKeys }),
  });
  const refusal = (address: string): ConnectError | undefined => {
    if (address === "") return undefined;
    const used = window.exhausted(address);
    if (!used) return undefined;
    const seconds = Math.ceil(used.retryAfterMs / 1000);
    return new ConnectError(
      `too many failed authentications from this address; retry in ${seconds}s`,
      Code.ResourceExhausted,
      { "retry-after": String(seconds) },
      [
        {
          desc: LimitExceededSchema,
          value: create(LimitExceededSchema, {
            limit: "rate:auth_failures",
            max: BigInt(opts.max),
            actual: BigInt(used.count),
            retryAfter: durationFromMs(used.retryAfterMs),
          }),
        },
      ],
    );
  };
  const fail = (address: string): void => {
    if (address !== "") window.add(address);
  };
  return {
    refusal,
    fail,
    interceptor: (next) => async (req) => {
      if (exempt.has(req.service.typeName)) return next(req);
      const address = req.contextValues.get(remoteAddressKey);
      const refused = refusal(address);
      if (refused) throw refused;
      try {
        return await next(req);
      } catch (err) {
        if (err instanceof ConnectError && err.code === Code.Unauthenticated) fail(address);
        throw err;
      }
    },
  };
}
