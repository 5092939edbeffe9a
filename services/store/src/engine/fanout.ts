import { StoreError } from "./errors.js";
import { inScope } from "./scope.js";
import type { RevisionRecord, WatchItem, WatchScope } from "./types.js";

/** One watcher's bounded queue of items, fed by a {@link Fanout}. */
export interface Subscription {
  /** Waits for the next item; rejects with StoreError "slow_consumer" after an overflow. */
  next(signal: AbortSignal, idleMs?: number): Promise<WatchItem | "idle">;
  close(): void;
}

/** Delivers every committed revision, in order, to the subscriptions whose scope it matches. */
export interface Fanout {
  /** The newest revision delivered; every record at or below it has reached the queues. */
  readonly revision: bigint;
  subscribe(scope: WatchScope): Subscription;
  /** Publishes records in revision order and advances {@link Fanout.revision}. */
  publish(records: RevisionRecord[], upTo: bigint): void;
  /** Ends every subscription with `err` (the engine lost its source of changes). */
  failAll(err: StoreError): void;
  readonly size: number;
}

/**
 * Creates a fan-out with a bounded buffer per subscription. A subscription that falls more
 * than `bufferSize` items behind is cut off, so a slow consumer never stalls the others.
 */
export function createFanout(opts: { startRevision: bigint; bufferSize?: number }): Fanout {
  const bufferSize = opts.bufferSize ?? 1024;
  let revision = opts.startRevision;
  const subs = new Set<Sub>();

  interface Sub {
    scope: WatchScope;
    queue: WatchItem[];
    failed?: StoreError;
    wake?: () => void;
  }

  function push(s: Sub, item: WatchItem) {
    if (s.failed) return;
    if (s.queue.length >= bufferSize) {
      s.failed = new StoreError(
        "slow_consumer",
        `watcher fell more than ${bufferSize} events behind; resume from the last revision received`,
        { bufferSize },
      );
      s.queue.length = 0;
    } else {
      s.queue.push(item);
    }
    s.wake?.();
  }

  return {
    get revision() {
      return revision;
    },
    get size() {
      return subs.size;
    },
    subscribe(scope) {
      const s: Sub = { scope, queue: [] };
      subs.add(s);
      return {
        async next(signal, idleMs) {
          for (;;) {
            if (s.failed) throw s.failed;
            const item = s.queue.shift();
            if (item) return item;
            if (signal.aborted) throw signal.reason;
            const woke = await new Promise<boolean>((resolve) => {
              const done = (v: boolean) => {
                s.wake = undefined;
                clearTimeout(timer);
                signal.removeEventListener("abort", onAbort);
                resolve(v);
              };
              const onAbort = () => done(true);
              const timer =
                idleMs === undefined ? undefined : setTimeout(() => done(false), idleMs);
              s.wake = () => done(true);
              signal.addEventListener("abort", onAbort, { once: true });
            });
            if (!woke) return "idle";
          }
        },
        close() {
          subs.delete(s);
          s.wake?.();
        },
      };
    },
    publish(records, upTo) {
      for (const r of records) {
        if (r.revision <= revision) continue;
        for (const s of subs) {
          if (inScope(s.scope, r)) push(s, { kind: "events", revision: r.revision, events: [r] });
        }
        revision = r.revision;
      }
      if (upTo > revision) revision = upTo;
    },
    failAll(err) {
      for (const s of subs) {
        s.failed = err;
        s.wake?.();
      }
    },
  };
}
