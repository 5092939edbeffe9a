import type { HandlerContext } from "@connectrpc/connect";

/** The response header that marks a read served from a cache that may be behind the store. */
export const staleHeader = "guardian-stale";

/**
 * Marks a read served from the read cache: with `staleSeconds` above 0, sets the
 * `guardian-stale` response header to it (whole seconds since the cache last heard from the
 * store), and returns it for the response's `stale_seconds` field.
 */
export function markStale(ctx: HandlerContext, staleSeconds: number): number {
  if (staleSeconds > 0) ctx.responseHeader.set(staleHeader, String(staleSeconds));
  return staleSeconds;
}
