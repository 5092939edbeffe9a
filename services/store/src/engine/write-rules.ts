import { createHash } from "node:crypto";
import type { ChangeKind, WriteInput } from "./types.js";

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
