import { ClientClosedError, EtcdLeaseInvalidError, GRPCGenericError } from "etcd3";

// etcd's own sentences for "not now": no quorum or leader, a leader change, a request that
// timed out, an overloaded or not-yet-upgraded member, a refused connection, an open breaker.
const unavailableText =
  /leader|timed out|too many requests|not capable|connection refused|breaker is open|unavailable/i;

/**
 * Reports whether an etcd call failed because etcd cannot answer now, so that the same call
 * may succeed later: every gRPC-level failure, a circuit breaker of the client refusing a
 * member that keeps failing, a closed client, or one of etcd's "no quorum" answers.
 */
export function isEtcdUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (
    err instanceof GRPCGenericError ||
    err instanceof ClientClosedError ||
    "isBrokenCircuitError" in err ||
    "isIsolatedCircuitError" in err ||
    "isHydratingCircuitError" in err ||
    unavailableText.test(err.message)
  );
}

/** Reports whether etcd refused a call because the lease it named has expired or was revoked. */
export function isLeaseNotFound(err: unknown): boolean {
  return (
    err instanceof EtcdLeaseInvalidError ||
    (err instanceof Error && err.message.includes("requested lease not found"))
  );
}
