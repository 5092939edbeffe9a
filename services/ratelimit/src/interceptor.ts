import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { StreamRequest, UnaryRequest } from "@connectrpc/connect";
import { LimitExceededSchema } from "@guardian/api";
import { principalKey } from "@guardian/kit";
import type { DescriptorEntry } from "./limits/match.js";
import type { CheckResult, RateLimiter } from "./limiter.js";
import { retryAfterSeconds } from "./rls/routes.js";

/** Descriptor keys the interceptor (and the Envoy gateway) send. */
export const descriptorKeys = {
  user: "user",
  apiKey: "api_key",
  remoteAddress: "remote_address",
} as const;

/** A call as an interceptor sees it. */
export type CallRequest = UnaryRequest | StreamRequest;

/** Options for {@link createRateLimitInterceptor}. */
export interface RateLimitInterceptorOptions {
  /** The limiter (usually over the memory backend in embedded mode). */
  limiter: RateLimiter;
  /** The client address of a call, when the host knows it; no address limit without it. */
  addressOf?: (req: CallRequest) => string | undefined;
  /** Calls that are never limited. Default: the gRPC health service. */
  skip?: (req: CallRequest) => boolean;
}

/**
 * Creates a Connect interceptor that limits calls in process with the same descriptors as the
 * Envoy gateway: `user` (the principal of a signed-in user or service), `api_key` (the API
 * key principal, or the raw `x-api-key` header before authentication) and `remote_address`.
 *
 * Place it after the authentication interceptor so the principal is known. A call over a
 * limit fails with ResourceExhausted, a `retry-after` header (seconds) and a
 * `guardian.v1.LimitExceeded` detail whose `retry_after` says how long to wait.
 */
export function createRateLimitInterceptor(opts: RateLimitInterceptorOptions): Interceptor {
  const skip = opts.skip ?? ((req) => req.service.typeName === "grpc.health.v1.Health");
  return (next) => async (req) => {
    if (skip(req)) {
      return next(req);
    }
    const descriptors = descriptorsOf(req, opts.addressOf?.(req));
    if (descriptors.length > 0) {
      // A raw x-api-key value (no API key principal) is a secret; anything else is not.
      const secretFree =
        req.contextValues.get(principalKey).kind === "api_key" || !req.header.has("x-api-key");
      const result = await opts.limiter.check({
        domain: opts.limiter.domain,
        descriptors,
        secretFree,
      });
      if (result.code === "over_limit") {
        throw rateLimitError(result);
      }
    }
    return next(req);
  };
}

/** The descriptors of a call: one per known identity of the caller. */
export function descriptorsOf(req: CallRequest, address: string | undefined): DescriptorEntry[][] {
  const out: DescriptorEntry[][] = [];
  const principal = req.contextValues.get(principalKey);
  if (principal.kind === "user" || principal.kind === "service") {
    out.push([{ key: descriptorKeys.user, value: principal.id }]);
  }
  const apiKey =
    principal.kind === "api_key" ? principal.id : (req.header.get("x-api-key") ?? undefined);
  if (apiKey !== undefined && apiKey !== "") {
    out.push([{ key: descriptorKeys.apiKey, value: apiKey }]);
  }
  if (address !== undefined && address !== "") {
    out.push([{ key: descriptorKeys.remoteAddress, value: address }]);
  }
  return out;
}

/** The ResourceExhausted error for a call over its limit, with the retry hint. */
export function rateLimitError(result: CheckResult): ConnectError {
  const over = result.descriptors.find((d) => d.code === "over_limit");
  const seconds = retryAfterSeconds(result.retryAfterMs);
  return new ConnectError(
    `rate limit exceeded${over?.limit ? ` (${over.limit.name})` : ""}; retry in ${seconds}s`,
    Code.ResourceExhausted,
    { "retry-after": String(seconds) },
    [
      {
        desc: LimitExceededSchema,
        value: create(LimitExceededSchema, {
          limit: `rate:${over?.limit?.name ?? "unknown"}`,
          max: BigInt(over?.limit?.requestsPerUnit ?? 0),
          retryAfter: durationFromMs(Math.max(result.retryAfterMs, 1)),
        }),
      },
    ],
  );
}
