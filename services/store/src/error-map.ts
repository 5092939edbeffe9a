import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { VersionConflictSchema } from "@guardian/api";
import {
  createErrorMapper,
  invalidArgument,
  isPgConnectionLoss,
  type ErrorMapper,
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
  unavailable: Code.Unavailable,
};

const mapOther: ErrorMapper = createErrorMapper([
  {
    match: isPgConnectionLoss,
    code: Code.Unavailable,
    message: () => "the store's database is unavailable",
  },
]);

/**
 * Maps store failures to Connect errors, in one place. A version conflict (the only Aborted
 * the store sends) carries a guardian.v1.VersionConflict detail with the current version; a
 * reused idempotency key is InvalidArgument with a guardian.v1.BadRequest naming the field.
 */
export function toStoreConnectError(
  err: unknown,
  ctx: { project?: string; key?: string; expected?: bigint } = {},
): ConnectError {
  if (err instanceof StoreError) {
    if (err.kind === "idempotency_mismatch") {
      // Typed, so that callers never have to parse the message to know which field is wrong.
      const e = invalidArgument([{ field: "idempotency_key", description: err.message }]);
      e.cause = err;
      return e;
    }
    const details =
      err.kind === "version_conflict"
        ? [
            {
              desc: VersionConflictSchema,
              value: create(VersionConflictSchema, {
                project: ctx.project ?? "",
                key: ctx.key ?? "",
                expectedVersion: ctx.expected ?? 0n,
                currentVersion: err.detail.currentVersion ?? 0n,
              }),
            },
          ]
        : undefined;
    return new ConnectError(err.message, codes[err.kind], undefined, details, err);
  }
  return mapOther(err);
}
