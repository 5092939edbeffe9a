import { Code, ConnectError } from "@connectrpc/connect";
import type { RateLimitRequest } from "../gen/envoy/service/ratelimit/v3/rls_pb.js";

/** Most descriptors accepted in one request (Envoy sends one per configured action set). */
export const maxDescriptors = 64;

/** Most entries accepted in one descriptor. */
export const maxEntries = 16;

/**
 * Validates a ShouldRateLimit request: a domain, 1 to {@link maxDescriptors} descriptors (an
 * empty list is an error, as in envoyproxy/ratelimit), each with 1 to {@link maxEntries}
 * entries whose keys are not empty. Throws InvalidArgument.
 */
export function checkShouldRateLimitRequest(req: RateLimitRequest): void {
  const problems: string[] = [];
  if (req.domain === "") {
    problems.push("domain is required");
  }
  if (req.descriptors.length === 0) {
    problems.push("at least one descriptor is required");
  }
  if (req.descriptors.length > maxDescriptors) {
    problems.push(`at most ${maxDescriptors} descriptors are accepted`);
  }
  req.descriptors.forEach((d, i) => {
    if (d.entries.length === 0 || d.entries.length > maxEntries) {
      problems.push(`descriptors[${i}] needs 1 to ${maxEntries} entries`);
    }
    d.entries.forEach((e, j) => {
      if (e.key === "") {
        problems.push(`descriptors[${i}].entries[${j}].key is required`);
      }
    });
  });
  if (problems.length > 0) {
    throw new ConnectError(problems.join("; "), Code.InvalidArgument);
  }
}
