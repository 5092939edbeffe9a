import { StoreError } from "./errors.js";

/**
 * Checks that a revision a caller asked for is not ahead of the store's newest committed
 * revision; throws `future_revision` otherwise.
 */
export function checkNotAhead(wanted: bigint, current: bigint): void {
  if (wanted > current) {
    throw new StoreError(
      "future_revision",
      `revision ${wanted} is ahead of the store's revision ${current}`,
    );
  }
}
