/** Why a store operation failed, independent of the engine. */
export type StoreErrorKind =
  | "version_conflict"
  | "idempotency_mismatch"
  | "not_found"
  | "compacted"
  | "min_revision_timeout"
  | "future_revision"
  | "slow_consumer"
  | "unavailable";

/**
 * An expected store failure. The store service maps each kind to a Connect code in one place.
 */
export class StoreError extends Error {
  override readonly name = "StoreError";
  constructor(
    readonly kind: StoreErrorKind,
    message: string,
    readonly detail: { currentVersion?: bigint; compactRevision?: bigint } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
