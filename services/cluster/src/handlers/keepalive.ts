import { waitSettled } from "@guardian/kit";

/** How often a silent ClusterService stream sends a keepalive, unless configured otherwise. */
export const defaultStreamKeepaliveMs = 30_000;

/** What {@link withKeepalives} yields when its source stayed silent for the interval. */
export const keepaliveTick: unique symbol = Symbol("keepalive");

/**
 * Yields what `source` yields, and {@link keepaliveTick} whenever `source` has yielded
 * nothing for `everyMs`, so that a stream which only sends on change still sends something
 * well within the idle timeout of the proxies in front of it. Ends when `source` ends (a
 * backend stream ends or fails once the call's signal is aborted).
 */
export async function* withKeepalives<T>(
  source: AsyncIterable<T>,
  everyMs: number,
): AsyncGenerator<T | typeof keepaliveTick> {
  const it = source[Symbol.asyncIterator]();
  let pending = it.next();
  let done = false;
  try {
    for (;;) {
      // Waits leave nothing on the pending next() (see waitSettled): racing it at every tick
      // would add a reaction to it per tick, kept for as long as the source is quiet.
      const next = await waitSettled(pending, { timeoutMs: everyMs });
      if (!next.settled) {
        yield keepaliveTick;
        continue;
      }
      if (next.value.done === true) {
        done = true;
        return;
      }
      pending = it.next();
      yield next.value.value;
    }
  } finally {
    if (!done) {
      // Ended early (the consumer stopped or failed): a next() may still be pending, and
      // its outcome no longer matters (waitSettled follows a promise once: no new reaction).
      waitSettled(pending).catch(() => undefined);
      if (it.return !== undefined) void it.return().catch(() => undefined);
    }
  }
}
