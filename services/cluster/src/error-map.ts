import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { LimitExceededSchema, LockHeldSchema } from "@guardian/api";
import { createErrorMapper, pgErrorRules, type ErrorMapper, type FailedCall } from "@guardian/kit";
import { isEtcdUnavailable, isLeaseNotFound } from "@guardian/etcd";
import { ClusterError, type ClusterErrorKind } from "./backend/errors.js";

const codes: Record<ClusterErrorKind, Code> = {
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  failed_precondition: Code.FailedPrecondition,
  lock_held: Code.Aborted,
  slow_consumer: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
};

const mapOther: ErrorMapper = createErrorMapper([
  {
    match: isEtcdUnavailable,
    code: Code.Unavailable,
    message: () => "the cluster cannot be reached or has no quorum; retry later",
  },
  {
    match: isLeaseNotFound,
    code: Code.NotFound,
    message: () => "the lease has expired or was revoked",
  },
  ...pgErrorRules,
]);

/**
 * The cluster service's one error table: each ClusterError kind to its code (lock_held to
 * Aborted with a guardian.cluster.v1.LockHeld detail, slow_consumer to ResourceExhausted
 * with a LimitExceeded detail); an unreachable etcd or database to Unavailable; a
 * ConnectError as it is; anything else to Internal with a generic message naming the
 * call's request id.
 */
export function toClusterConnectError(
  err: unknown,
  call?: Pick<FailedCall, "requestId">,
): ConnectError {
  if (!(err instanceof ClusterError)) return mapOther(err, call?.requestId);
  const details = [];
  const { lock, bufferSize } = err.detail;
  if (err.kind === "lock_held" && lock) {
    details.push({
      desc: LockHeldSchema,
      value: create(LockHeldSchema, {
        name: lock.name,
        owner: lock.owner,
        expireTime: timestampFromDate(lock.expireTime),
      }),
    });
  }
  if (err.kind === "slow_consumer" && bufferSize !== undefined) {
    details.push({
      desc: LimitExceededSchema,
      value: create(LimitExceededSchema, { limit: "watch_buffer_events", max: BigInt(bufferSize) }),
    });
  }
  return new ConnectError(err.message, codes[err.kind], undefined, details, err);
}
