import { KindedError } from "@guardian/kit";
/** Why a store operation failed, independent of the engine. */
export type StoreErrorKind =
  | "version_conflict"
  | "idempotency_mismatch"
  | "not_found"
  | "compacted"
  | "min_revision_timeout"
  | "future_revision"
  | "slow_consumer"
  | "too_large"
  | "no_space"
  | "unavailable";

/** Facts a store failure carries for its caller, by kind. */
export interface StoreErrorDetail {
  /** version_conflict: the config's current version (0n: it does not exist). */
  currentVersion?: bigint;
  /**
   * version_conflict and not_found of a write: a revision at which the key's state the write
   * was checked against holds (its last write, a deletion included; 0n: unknown). A read at
   * this revision or later does not show an older state.
   */
  observedRevision?: bigint;
  /** compacted: the compact revision. */
  compactRevision?: bigint;
  /** slow_consumer: the watcher's buffer size, in events. */
  bufferSize?: number;
}

/**
 * An expected store failure. The store service maps each kind to a Connect code in one place.
 */
export class StoreError extends KindedError<StoreErrorKind, StoreErrorDetail> {
  override readonly name = "StoreError";
}
