import { sleep } from "@guardian/kit";

/** A server stream read in the background by a test, with its items kept in arrival order. */
export interface StreamRecorder<T> {
  /** Every item received so far. */
  readonly items: readonly T[];
  /**
   * Waits for the next item (after the one the previous call returned) that matches `pred`,
   * and returns it. Rejects after `timeoutMs` or when the stream ends first.
   */
  next(pred?: (item: T) => boolean, timeoutMs?: number): Promise<T>;
  /** Resolves when the stream ends: undefined when it completed, the error when it failed. */
  readonly ended: Promise<unknown>;
  /** Cancels the stream (as a client going away would). */
  cancel(): void;
}

/** Starts reading the stream `open` returns, until it ends or {@link StreamRecorder.cancel}. */
export function recordStream<T>(
  open: (signal: AbortSignal) => AsyncIterable<T>,
): StreamRecorder<T> {
  const ac = new AbortController();
  const items: T[] = [];
  const listeners = new Set<() => void>();
  let finished = false;
  let cursor = 0;
  const ended = (async () => {
    try {
      for await (const item of open(ac.signal)) {
        items.push(item);
        for (const l of listeners) l();
      }
      return undefined;
    } catch (err) {
      return err;
    } finally {
      finished = true;
      for (const l of listeners) l();
    }
  })();
  return {
    items,
    ended,
    cancel: () => ac.abort(),
    next(pred = () => true, timeoutMs = 10_000) {
      return new Promise<T>((resolve, reject) => {
        const check = () => {
          for (let i = cursor; i < items.length; i++) {
            if (pred(items[i]!)) {
              cursor = i + 1;
              done();
              resolve(items[i]!);
              return;
            }
          }
          if (finished) {
            done();
            reject(new Error(`the stream ended before a matching item; got ${items.length} items`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no matching item within ${timeoutMs} ms; got ${items.length} items`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Polls `probe` every 20 ms until it returns a value other than undefined, or times out. */
export async function waitUntil<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}
