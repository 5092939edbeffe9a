import {
  ClientClosedError,
  CompareResult,
  CompareTarget,
  type ICompare,
  type IRangeRequest,
  type IRequestOp,
} from "etcd3";
import { isEtcdUnavailable } from "@guardian/etcd";
import { traced } from "@guardian/kit";
import { StoreError } from "../errors.js";

/** True when etcd refused a read at a revision it has compacted. */
export function isCompactedError(err: unknown): boolean {
  return err instanceof Error && err.message.includes("required revision has been compacted");
}

/** True when etcd refused a read at a revision it has not reached. */
export function isFutureRevisionError(err: unknown): boolean {
  return err instanceof Error && err.message.includes("required revision is a future revision");
}

/**
 * Maps an etcd failure to a StoreError where the store has a kind for it: compaction,
 * future revisions, and everything that means "etcd cannot answer now" (no quorum, no leader,
 * a dead member, a deadline, a closed client). Anything else is returned unchanged.
 */
export function toStoreError(err: unknown, what: string): unknown {
  if (err instanceof StoreError) return err;
  if (isCompactedError(err)) {
    return new StoreError(
      "compacted",
      `${what}: the revision has been compacted`,
      {},
      { cause: err },
    );
  }
  if (isFutureRevisionError(err)) {
    return new StoreError(
      "future_revision",
      `${what}: the revision is in the future`,
      {},
      { cause: err },
    );
  }
  if (err instanceof Error && err.message.includes("request is too large")) {
    // The config service's size limit is above what this etcd accepts: the caller's write is
    // refused, as too large, not failed as the server's fault.
    return new StoreError(
      "too_large",
      `${what}: too large for the store's etcd, which accepts requests of at most its ` +
        "--max-request-bytes (1.5 MiB unless raised), and a write holds its value twice: " +
        "raise --max-request-bytes, or keep GUARDIAN_MAX_CONFIG_BYTES below half of it",
      {},
      { cause: err },
    );
  }
  if (err instanceof Error && err.message.includes("database space exceeded")) {
    // etcd's NOSPACE alarm: writes stay refused until an operator frees space. Not
    // "unavailable", which clients and the gateway retry at once.
    return new StoreError(
      "no_space",
      `${what}: the store's etcd is out of space (its --quota-backend-bytes); writes are ` +
        "refused until it is compacted and defragmented and its NOSPACE alarm disarmed",
      {},
      { cause: err },
    );
  }
  if (err instanceof ClientClosedError) {
    return new StoreError("unavailable", "the store is shutting down", {}, { cause: err });
  }
  if (isEtcdUnavailable(err)) {
    return new StoreError("unavailable", `etcd is unavailable (${what})`, {}, { cause: err });
  }
  return err;
}

/**
 * Runs one etcd call and maps its failure with {@link toStoreError}. Every call the etcd
 * engine makes goes through here, each in a span named `etcd: <what>` (with tracing on),
 * around the etcd client's own span of the request it sends (`etcd KV.txn`).
 */
export async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await traced(`etcd: ${what}`, "internal", { "guardian.etcd.operation": what }, fn);
  } catch (err) {
    throw toStoreError(err, what);
  }
}

/** A range operation for a transaction. */
export function rangeOp(req: IRangeRequest): IRequestOp {
  return { request_range: req };
}

/** The most operations Guardian puts in one transaction, below etcd's default --max-txn-ops of 128. */
export const maxTxnOps = 100;

/** A put operation for a transaction. */
export function putOp(key: Buffer, value: Buffer, lease?: string): IRequestOp {
  return { request_put: { key, value, lease } };
}

/** A delete operation for a transaction. */
export function deleteOp(key: Buffer): IRequestOp {
  return { request_delete_range: { key } };
}

/** Compares a key's mod_revision with `revision` (0: the key does not exist). */
export function modIs(key: Buffer, revision: bigint): ICompare {
  return {
    key,
    target: CompareTarget.Mod,
    result: CompareResult.Equal,
    mod_revision: revision.toString(),
  };
}

/** Compares that a key does not exist (its create_revision is 0). */
export function absent(key: Buffer): ICompare {
  return { key, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: 0 };
}
