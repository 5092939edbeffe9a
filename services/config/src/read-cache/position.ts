import { Code, ConnectError } from "@connectrpc/connect";
import { createRevisionWaiters, waitSettled } from "@guardian/kit";

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

const canceled = () => new ConnectError("the read was canceled", Code.Canceled);

/**
 * Waits up to `timeoutMs` for `arrived`: false when it timed out; fails with Canceled when
 * `signal` aborts. `arrived` may be shared and pending for long (the store not connected):
 * waits leave nothing on it (see `waitSettled`).
 */
export async function within(
  arrived: Promise<void>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const o = await waitSettled(arrived, { timeoutMs, ...(signal ? { signal } : {}) });
  if (!o.settled && o.reason === "aborted") throw canceled();
  return o.settled;
}

/**
 * Waits for `arrived` (shared by other callers, so not stopped here); fails with Canceled
 * when `signal` aborts first.
 */
export async function unlessCanceled<T>(arrived: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return arrived;
  const o = await waitSettled(arrived, { signal });
  if (!o.settled) throw canceled();
  return o.value;
}
