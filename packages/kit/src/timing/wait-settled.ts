/** How a {@link waitSettled} ended: with the promise's value, or before it settled. */
export type WaitOutcome<T> =
  | { readonly settled: true; readonly value: T }
  | { readonly settled: false; readonly reason: "timeout" | "aborted" };

/** What is known of a promise that waits follow: its outcome, or who waits for it. */
interface Followed {
  outcome?: { ok: true; value: unknown } | { ok: false; error: unknown };
  readonly waiters: Set<() => void>;
}

const followed = new WeakMap<Promise<unknown>, Followed>();

function follow(p: Promise<unknown>): Followed {
  let f = followed.get(p);
  if (f === undefined) {
    const entry: Followed = { waiters: new Set() };
    const settle = (outcome: NonNullable<Followed["outcome"]>) => {
      entry.outcome = outcome;
      for (const wake of entry.waiters) wake();
      entry.waiters.clear();
    };
    p.then(
      (value) => settle({ ok: true, value }),
      (error: unknown) => settle({ ok: false, error }),
    );
    followed.set(p, (f = entry));
  }
  return f;
}

/**
 * Waits for `p` to settle, for at most `timeoutMs` (when given) and until `signal` aborts;
 * rejects when `p` rejects.
 *
 * A promise gets one reaction for all of its waits, and a wait that ends early leaves nothing
 * behind. Racing a long-lived promise directly (`Promise.race([p, timer])`) adds a reaction
 * to it per wait, kept until it settles: a promise that stays pending for a long time (the
 * store not connected yet, a quiet stream) would hold one per wait.
 */
export function waitSettled<T>(
  p: Promise<T>,
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<WaitOutcome<T>> {
  const f = follow(p);
  const result = (): WaitOutcome<T> => {
    const o = f.outcome!;
    if (!o.ok) throw o.error;
    return { settled: true, value: o.value as T };
  };
  if (f.outcome !== undefined) return Promise.resolve().then(result);
  const { timeoutMs, signal } = opts;
  if (signal?.aborted) return Promise.resolve({ settled: false, reason: "aborted" });
  return new Promise<WaitOutcome<T>>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (outcome: () => WaitOutcome<T>) => {
      clearTimeout(timer);
      f.waiters.delete(wake);
      signal?.removeEventListener("abort", onAbort);
      try {
        resolve(outcome());
      } catch (err) {
        reject(err);
      }
    };
    const wake = () => finish(result);
    const onAbort = () => finish(() => ({ settled: false, reason: "aborted" }));
    f.waiters.add(wake);
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => finish(() => ({ settled: false, reason: "timeout" })), timeoutMs);
    }
  });
}
