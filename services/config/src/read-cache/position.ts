import { Code, ConnectError } from "@connectrpc/connect";
import { createRevisionWaiters, sleep } from "@guardian/kit";

/** The newest store revision the read cache has applied, which reads can wait for. */
export interface AppliedRevision {
  /** The newest revision applied. */
  readonly value: bigint;
  /** Moves the position forward to `revision` (never back) and wakes the reads it satisfies. */
  advance(revision: bigint): void;
  /**
   * Waits until the position reaches `revision`: false when `timeoutMs` passed first;
   * fails with Canceled when `signal` aborts.
   */
  reach(revision: bigint, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
}

/** Creates the applied revision of a read cache, starting at 0. */
export function createAppliedRevision(): AppliedRevision {
  let value = 0n;
  const waiters = createRevisionWaiters(() => value);
  return {
    get value() {
      return value;
    },
    advance(revision) {
      if (revision > value) value = revision;
      waiters.wake();
    },
    async reach(revision, timeoutMs, signal) {
      const reached = await waiters.wait(revision, timeoutMs, signal);
      if (!reached && signal?.aborted) {
        throw new ConnectError("the read was canceled", Code.Canceled);
      }
      return reached;
    },
  };
}

/**
 * Waits up to `timeoutMs` for `arrived`: false when it timed out; fails with Canceled when
 * `signal` aborts.
 */
export async function within(
  arrived: Promise<void>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const timeout = new AbortController();
  try {
    return await unlessCanceled(
      Promise.race([arrived.then(() => true), sleep(timeoutMs, timeout.signal).then(() => false)]),
      signal,
    );
  } finally {
    timeout.abort();
  }
}

/**
 * Waits for `arrived` (shared by other callers, so not stopped here); fails with Canceled
 * when `signal` aborts first.
 */
export async function unlessCanceled<T>(arrived: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return arrived;
  let onAbort = () => {};
  try {
    return await Promise.race([
      arrived,
      new Promise<never>((_, reject) => {
        onAbort = () => reject(new ConnectError("the read was canceled", Code.Canceled));
        if (signal.aborted) onAbort();
        signal.addEventListener("abort", onAbort, { once: true });
      }),
    ]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
