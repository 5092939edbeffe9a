/** Counts, per revision, when each watcher received it. */
export interface DeliveryTracker {
  /** Records that one watcher received `revision` now. */
  record(revision: string): void;
  /** Errors that ended a watcher's stream (not the bench's own abort); Guardian's re-open. */
  readonly failures: string[];
  /**
   * Resolves with the receive times (performance.now()) once all watchers have `revision`;
   * rejects after `timeoutMs` saying how many did.
   */
  waitAll(revision: string, timeoutMs: number): Promise<number[]>;
}

/** A tracker for `watchers` watchers. */
export function createDeliveryTracker(watchers: number): DeliveryTracker {
  const times = new Map<string, number[]>();
  const waiting = new Map<string, () => void>();
  const failures: string[] = [];
  return {
    failures,
    record(revision) {
      const now = performance.now();
      let list = times.get(revision);
      if (list === undefined) times.set(revision, (list = []));
      list.push(now);
      if (list.length >= watchers) waiting.get(revision)?.();
    },
    waitAll(revision, timeoutMs) {
      return new Promise((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          waiting.delete(revision);
          resolve(times.get(revision) ?? []);
        };
        const timer = setTimeout(() => {
          waiting.delete(revision);
          const got = times.get(revision)?.length ?? 0;
          const failed =
            failures.length > 0
              ? `; ${failures.length} stream errors, the first: ${failures[0]}`
              : "";
          reject(new Error(`revision ${revision} reached ${got} of ${watchers} watchers${failed}`));
        }, timeoutMs);
        waiting.set(revision, done);
        if ((times.get(revision)?.length ?? 0) >= watchers) done();
      });
    },
  };
}
