import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { LimitExceededSchema, VersionConflictSchema, type WriteRequest } from "@guardian/api";
import {
  createErrorMapper,
  invalidArgument,
  isPgConnectionLoss,
  isPgError,
  pgBusyRules,
  pgCodes,
  type ErrorMapper,
  type FailedCall,
} from "@guardian/kit";
import { StoreError, type StoreErrorKind } from "./engine/errors.js";

const codes: Record<StoreErrorKind, Code> = {
  version_conflict: Code.Aborted,
  idempotency_mismatch: Code.InvalidArgument,
  not_found: Code.NotFound,
  compacted: Code.OutOfRange,
  future_revision: Code.OutOfRange,
  min_revision_timeout: Code.Unavailable,
  slow_consumer: Code.ResourceExhausted,
  too_large: Code.ResourceExhausted,
  no_space: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
};

const mapOther: ErrorMapper = createErrorMapper([
  {
    match: isPgConnectionLoss,
    code: Code.Unavailable,
    message: () => "the store's database is unavailable",
  },
  // Never Aborted, which callers read as a version conflict: a serialization failure or a
  // deadlock of the SQL engine is "retry".
  {
    match: (e) => isPgError(e, pgCodes.serializationFailure, pgCodes.deadlockDetected),
    code: Code.Unavailable,
    message: () => "the store's database could not serialize the write; retry",
  },
  ...pgBusyRules,
]);

/**
 * Maps store failures to Connect errors, in one place. Every failure another service must
 * tell apart carries a typed detail: a version conflict (the only Aborted the store sends) a
 * guardian.v1.VersionConflict with the current version; a reused idempotency key
 * InvalidArgument with a guardian.v1.BadRequest naming the field; a watcher cut off as a slow
 * consumer a guardian.v1.LimitExceeded ("watch_buffer_events").
 */
export function toStoreConnectError(
  err: unknown,
  call?: Pick<FailedCall, "method" | "req" | "requestId">,
): ConnectError {
  if (!(err instanceof StoreError)) return mapOther(err, call?.requestId);
  if (err.kind === "idempotency_mismatch") {
    const e = invalidArgument([{ field: "idempotency_key", description: err.message }]);
    e.cause = err;
    return e;
  }
  const observed = err.detail.observedRevision;
  const metadata =
    observed !== undefined && observed > 0n
      ? { [observedRevisionHeader]: observed.toString() }
      : undefined;
  return new ConnectError(err.message, codes[err.kind], metadata, detailsOf(err, call), err);
}

/**
 * The header of a refused write (Aborted, NotFound) that names a revision at which the state it
 * was refused on holds: a caller's reads at that revision or later do not show an older one.
 */
export const observedRevisionHeader = "guardian-observed-revision";

type Details = ConstructorParameters<typeof ConnectError>[3];

function detailsOf(err: StoreError, call?: Pick<FailedCall, "method" | "req">): Details {
  if (err.kind === "version_conflict") {
    const req = call?.method === "write" ? (call.req as WriteRequest) : undefined;
    const value = create(VersionConflictSchema, {
      project: req?.project ?? "",
      key: req?.key ?? "",
      expectedVersion: req?.expectedVersion ?? 0n,
      currentVersion: err.detail.currentVersion ?? 0n,
    });
    return [{ desc: VersionConflictSchema, value }];
  }
  if (err.kind === "slow_consumer") {
    const value = create(LimitExceededSchema, {
      limit: "watch_buffer_events",
      max: BigInt(err.detail.bufferSize ?? 0),
    });
    return [{ desc: LimitExceededSchema, value }];
  }
  if (err.kind === "too_large") {
    return [
      {
        desc: LimitExceededSchema,
        value: create(LimitExceededSchema, { limit: "etcd_request_bytes" }),
      },
    ];
  }
  return undefined;
}
