/** A signal bounded by a time limit, and the means to end that bound when its work ends. */
export interface Deadline {
  /** Aborts when the time is up (a `TimeoutError`) or when the parent signal aborts. */
  readonly signal: AbortSignal;
  /** Ends the timer and the link to the parent: call it when the bounded work ends. */
  clear(): void;
}

/**
 * A signal that aborts after `ms` with a `TimeoutError` DOMException, as
 * `AbortSignal.timeout(ms)` does, or with the parent's reason when `parent` aborts first.
 *
 * `AbortSignal.timeout` cannot be stopped: its timer lives on after the work it bounded and
 * fires `ms` later, building an exception nobody reads, and a server making one per call keeps
 * thousands of them pending. This one is cleared by the caller, and leaves no listener on the
 * parent. Like `AbortSignal.timeout`, its timer does not keep the process alive.
 */
export function createDeadline(ms: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  if (parent?.aborted) {
    controller.abort(parent.reason);
    return { signal: controller.signal, clear: noop };
  }
  const onParent = () => {
    clearTimeout(timer);
    controller.abort(parent?.reason);
  };
  const timer = setTimeout(() => {
    parent?.removeEventListener("abort", onParent);
    controller.abort(new DOMException(`the deadline of ${ms} ms passed`, "TimeoutError"));
  }, ms);
  timer.unref();
  parent?.addEventListener("abort", onParent, { once: true });
  return {
    signal: controller.signal,
    clear() {
      clearTimeout(timer);
      parent?.removeEventListener("abort", onParent);
    },
  };
}

function noop(): void {}
