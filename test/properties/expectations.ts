import type { DescMethod } from "@bufbuild/protobuf";
import type { InputClass } from "./arbitraries.js";
import type { RawAnswer } from "./raw-call.js";

/** An error code a bad request may be answered with. */
export type ExpectedCode = Exclude<RawAnswer["code"], "ok" | "hang" | "Internal" | "Unknown">;

/**
 * The answer each class of bad input must get. Requests that cannot be decoded, or that
 * break a documented limit, are InvalidArgument; a request over the server's read limit is
 * ResourceExhausted. The caller holds every role, so no refusal is about access.
 */
const byClass: Record<InputClass, readonly ExpectedCode[]> = {
  "wrong-type": ["InvalidArgument"],
  "random-bytes": ["InvalidArgument"],
  "invalid-utf8": ["InvalidArgument"],
  "huge-string": ["InvalidArgument"],
  "deep-nesting": ["InvalidArgument"],
  oversized: ["ResourceExhausted"],
};

/**
 * Exceptions by RPC (`Service.Method`) and class, each with the reason its answer is right.
 */
const byRpc: Record<string, Partial<Record<InputClass, readonly ExpectedCode[]>>> = {
  // A password or refresh token has no documented length: a huge one is a wrong credential.
  "AuthService.Login": { "huge-string": ["InvalidArgument", "Unauthenticated"] },
  "AuthService.Refresh": { "huge-string": ["InvalidArgument", "Unauthenticated"] },
  "AuthService.ChangePassword": { "huge-string": ["InvalidArgument", "Unauthenticated"] },
};

/** The codes a bad request of `inputClass` to `method` may get. */
export function expectedCodes(method: DescMethod, inputClass: InputClass): readonly ExpectedCode[] {
  return byRpc[`${method.parent.name}.${method.name}`]?.[inputClass] ?? byClass[inputClass];
}
