import { KindedError } from "@guardian/kit";
/** Why a cluster operation failed, independent of the engine. */
export type ClusterErrorKind =
  | "not_found"
  | "already_exists"
  | "failed_precondition"
  | "lock_held"
  | "slow_consumer"
  | "unavailable";

/** Extra facts some kinds carry: the holder for lock_held, the limit for slow_consumer. */
export interface ClusterErrorDetail {
  lock?: { name: string; owner: string; expireTime: Date };
  bufferSize?: number;
}

/**
 * An expected cluster failure. The cluster service maps each kind to a Connect code in one
 * place; the message is written for the client.
 */
export class ClusterError extends KindedError<ClusterErrorKind, ClusterErrorDetail> {
  override readonly name = "ClusterError";
}
