import { sleep } from "@guardian/kit";

/** Keeps count of running streams so that a closing backend can wait for them to clean up. */
export interface StreamTracker {
  /** Wraps a stream; it counts as running until it finishes or its consumer stops. */
  track<T>(source: AsyncIterable<T>): AsyncGenerator<T>;
  /** Waits until every tracked stream has finished, or `timeoutMs` passed. */
  settle(timeoutMs: number): Promise<void>;
}

/** Creates a {@link StreamTracker}. */
export function createStreamTracker(): StreamTracker {
  const running = new Set<Promise<void>>();
  return {
    async *track(source) {
      let finished!: () => void;
      const done = new Promise<void>((resolve) => (finished = resolve));
      running.add(done);
      try {
        yield* source;
      } finally {
        finished();
        running.delete(done);
      }
    },
    async settle(timeoutMs) {
      const settled = new AbortController();
      void Promise.allSettled([...running]).then(() => settled.abort());
      await sleep(timeoutMs, settled.signal);
    },
  };
}
