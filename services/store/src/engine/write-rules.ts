import { createHash } from "node:crypto";
import { StoreError } from "./errors.js";
import type { ChangeKind, WriteInput } from "./types.js";

/** How long every engine keeps an idempotency record at least. */
export const idempotencyTtlSeconds = 24 * 60 * 60;

/**
 * Works out the change kind a write records: callers only ever ask for a rollback; otherwise
 * a delete, or an update or create depending on whether the key exists.
 */
export function changeKindOf(input: WriteInput, exists: boolean): ChangeKind {
  if (input.meta.changeKind === "rollback") return "rollback";
  if (input.op === "delete") return "delete";
  return exists ? "update" : "create";
}

/** Hashes what makes two writes "the same request" for idempotency, on every engine. */
export function hashWriteRequest(input: WriteInput, value: Uint8Array): string {
  return createHash("sha256")
    .update(
      JSON.stringify([
        input.key,
        input.op,
        input.expectedVersion?.toString() ?? null,
        input.meta.changeKind,
      ]),
    )
    .update(value)
    .digest("hex");
}

/**
 * Checks that a write whose idempotency key was seen before is the same request (same hash)
 * as the first one; throws `idempotency_mismatch` otherwise.
 */
export function checkIdempotentReplay(input: WriteInput, seenHash: string, hash: string): void {
  if (seenHash !== hash) {
    throw new StoreError(
      "idempotency_mismatch",
      `idempotency key "${input.idempotencyKey}" was already used for a different request`,
    );
  }
}

/**
 * Checks a write's preconditions against the key's current version (0n when the key does not
 * exist): the expected version must match (`version_conflict`), and a delete or a `mustExist`
 * write needs an existing key (`not_found`). `observedRevision` is a revision at which that
 * state holds (the key's last write, or later); a refusal carries it, so that the caller can
 * read no older state after it.
 */
export function checkWritePreconditions(
  input: WriteInput,
  currentVersion: bigint,
  observedRevision = currentVersion,
): void {
  if (input.expectedVersion !== undefined && input.expectedVersion !== currentVersion) {
    throw new StoreError(
      "version_conflict",
      input.expectedVersion === 0n
        ? `config "${input.key}" already exists at version ${currentVersion}`
        : `config "${input.key}" is at version ${currentVersion}, not ${input.expectedVersion}`,
      { currentVersion, observedRevision },
    );
  }
  if ((input.op === "delete" || input.mustExist) && currentVersion === 0n) {
    throw new StoreError("not_found", `config "${input.key}" does not exist`, {
      observedRevision,
    });
  }
}
