import { sleep } from "@guardian/kit";

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
          if (!s.pending && !signal.aborted) {
            const woken = new AbortController();
            const wake = () => woken.abort();
            signal.addEventListener("abort", wake, { once: true });
            s.wake = wake;
            await sleep(timeoutMs, woken.signal);
            signal.removeEventListener("abort", wake);
            s.wake = undefined;
          }
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
