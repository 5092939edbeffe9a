/** Calls waiting for a position (a change feed, a cache) to reach a revision. */
export interface RevisionWaiters {
  /**
   * Resolves true once {@link RevisionWaiters.wake} reports `revision` (at once when
   * `current()` has reached it), or false after `timeoutMs`, when `signal` aborts, or at
   * {@link RevisionWaiters.endAll}.
   */
  wait(revision: bigint, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Resolves the waits that `current()` has reached. */
  wake(): void;
  /** Ends every wait with false (the feed is closing). */
  endAll(): void;
}

/** Creates the waiters of a position whose current revision is `current()`. */
export function createRevisionWaiters(current: () => bigint): RevisionWaiters {
  const waiters = new Set<{ revision: bigint; done: (reached: boolean) => void }>();
  return {
    wait(revision, timeoutMs, signal) {
      if (current() >= revision) return Promise.resolve(true);
      if (signal?.aborted) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        const w = {
          revision,
          done: (reached: boolean) => {
            clearTimeout(timer);
            waiters.delete(w);
            signal?.removeEventListener("abort", onAbort);
            resolve(reached);
          },
        };
        const onAbort = () => w.done(false);
        const timer = setTimeout(() => w.done(false), timeoutMs);
        waiters.add(w);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
    wake() {
      for (const w of waiters) if (current() >= w.revision) w.done(true);
    },
    endAll() {
      for (const w of waiters) w.done(false);
    },
  };
}
