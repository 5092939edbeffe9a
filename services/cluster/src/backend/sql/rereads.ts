import { ClusterError } from "../errors.js";
import type { SqlContext } from "./leases.js";

/**
 * Yields `read()` at once, then again whenever this process changed something or
 * `pollIntervalMs` passed (for other processes' changes and for expiry), until `signal`
 * aborts. When the backend shuts down first, it ends with an "unavailable" ClusterError that
 * tells the client to `retry` (for example "watch again").
 */
export async function* rereads<T>(
  ctx: SqlContext,
  signal: AbortSignal,
  read: () => Promise<T>,
  retry: string,
): AsyncGenerator<T> {
  // Subscribed before the first read, so a change between a read and the next wait is seen.
  const wake = ctx.notifier.subscribe();
  const stop = AbortSignal.any([signal, ctx.shutdown]);
  try {
    for (;;) {
      yield await read();
      await wake.wait(ctx.pollIntervalMs, stop);
      if (stop.aborted) break;
    }
  } finally {
    wake.close();
  }
  if (ctx.shutdown.aborted && !signal.aborted) {
    throw new ClusterError("unavailable", `the server is shutting down; ${retry}`);
  }
}
