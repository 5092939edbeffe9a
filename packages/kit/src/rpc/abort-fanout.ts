/** What a shared signal aborts: an AbortController, or Connect's handler context. */
export interface Abortable {
  abort(reason?: unknown): void;
}

/**
 * Passes the abort of one long-lived signal (the server's last word at shutdown) on to the
 * calls that join it, and returns how a call joins: `join(call)` returns the call's `leave`.
 *
 * The calls are entries of one Set, so joining and leaving cost the same however many calls
 * are open. A listener of each call on the shared signal would not: an EventTarget walks all
 * of its listeners to refuse a duplicate as one is added, and again to find one as it is
 * removed, so 10,000 open watch streams made each new one pay for a walk of the others (and
 * a shutdown for 10,000 walks).
 */
export function createAbortFanout(signal: AbortSignal): (call: Abortable) => () => void {
  const calls = new Set<Abortable>();
  signal.addEventListener(
    "abort",
    () => {
      // A call that leaves while the others are aborted is only skipped.
      for (const call of calls) call.abort(signal.reason);
      calls.clear();
    },
    { once: true },
  );
  return (call) => {
    if (signal.aborted) {
      call.abort(signal.reason);
      return () => undefined;
    }
    calls.add(call);
    return () => {
      calls.delete(call);
    };
  };
}
