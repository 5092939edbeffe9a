/** One subscriber's wake-up flag, fed by a {@link Notifier}. */
export interface WakeSource {
  /**
   * Resolves at the next notification (at once when one arrived since the last wait), after
   * `timeoutMs`, or when `signal` aborts. It never rejects.
   */
  wait(timeoutMs: number, signal: AbortSignal): Promise<void>;
  close(): void;
}

/** In-process wake-ups: whoever changed something calls notify(); waiters re-read. */
export interface Notifier {
  notify(): void;
  subscribe(): WakeSource;
}

/**
 * Creates a notifier. A notification is remembered per subscriber until its next wait, so a
 * change that lands between a read and the following wait is never missed.
 */
export function createNotifier(): Notifier {
  const subs = new Set<{ pending: boolean; wake?: () => void }>();
  return {
    notify() {
      for (const s of subs) {
        s.pending = true;
        s.wake?.();
      }
    },
    subscribe() {
      const s: { pending: boolean; wake?: () => void } = { pending: false };
      subs.add(s);
      return {
        async wait(timeoutMs, signal) {
          if (s.pending || signal.aborted) {
            s.pending = false;
            return;
          }
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              signal.removeEventListener("abort", done);
              s.wake = undefined;
              resolve();
            };
            const timer = setTimeout(done, Math.max(0, timeoutMs));
            signal.addEventListener("abort", done, { once: true });
            s.wake = done;
          });
          s.pending = false;
        },
        close() {
          subs.delete(s);
          s.wake?.();
        },
      };
    },
  };
}

/** Sleeps for `ms`, or less when `signal` aborts; never rejects. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal.addEventListener("abort", done, { once: true });
  });
}
