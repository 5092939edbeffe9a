import { sleep } from "@guardian/kit";

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
  // The outcome of the next() in flight, once it has one. Each next() gets one reaction, set
  // here; the waits below are promises of their own. Racing the pending next() itself at
  // every tick would add a reaction to it per tick, kept for as long as the source is quiet.
  let outcome: { result: IteratorResult<T> } | { error: unknown } | undefined;
  let wake: () => void = () => {};
  const follow = () => {
    outcome = undefined;
    it.next().then(
      (result) => {
        outcome = { result };
        wake();
      },
      (error: unknown) => {
        outcome = { error };
        wake();
      },
    );
  };
  let done = false;
  follow();
  try {
    for (;;) {
      if (outcome === undefined) {
        const timer = new AbortController();
        await new Promise<void>((resolve) => {
          wake = resolve;
          void sleep(everyMs, timer.signal).then(resolve);
        });
        timer.abort();
      }
      const o = outcome;
      if (o === undefined) {
        yield keepaliveTick;
        continue;
      }
      if ("error" in o) {
        done = true;
        throw o.error;
      }
      if (o.result.done === true) {
        done = true;
        return;
      }
      follow();
      yield o.result.value;
    }
  } finally {
    // Ended early (the consumer stopped or failed): a next() may still be pending; its
    // outcome no longer matters.
    if (!done && it.return !== undefined) void it.return().catch(() => undefined);
  }
}
