import { maxRetainKeys, retainedKeyId, type RetainedKey, type Retention } from "./retention.js";

/** Runs retention passes off the write path. */
export interface RetentionSchedule {
  /** Queues a key for the next pass. Never waits: the write that called it is committed. */
  add(key: RetainedKey): void;
  /** Runs the pass that is due now, without its delay, and waits until no key waits for one. */
  flush(): Promise<void>;
  /** Starts no further pass and waits for the one running, if any. */
  close(): Promise<void>;
}

/** Options of {@link scheduleRetention}. */
export interface RetentionScheduleOptions {
  /** How long keys gather before a pass starts. */
  delayMs: number;
  /** A failed pass (the next write of a key, or the archiver's next mark, catches up). */
  onError(err: unknown): void;
}

/**
 * Gathers the keys written past their retention and applies retention to them in one pass
 * after `delayMs` (one read and one compare-and-set per {@link maxRetainKeys} keys), however
 * often each was written meanwhile. A pass raises the compact revision and deletes archived
 * records together, so a record stays readable until a pass covers it: running later only
 * keeps it longer. At most one pass runs at a time; keys added during it wait for the next.
 */
export function scheduleRetention(
  retention: Pick<Retention, "retainKeys">,
  opts: RetentionScheduleOptions,
): RetentionSchedule {
  let pending = new Map<string, RetainedKey>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;

  function arm(): void {
    if (closed || timer !== undefined || running !== undefined || pending.size === 0) return;
    timer = setTimeout(start, opts.delayMs);
    // A pass due at exit is not worth holding the process: the archiver's next mark catches up.
    timer.unref();
  }

  function start(): void {
    timer = undefined;
    const keys = [...pending.values()];
    pending = new Map();
    running = pass(keys).finally(() => {
      running = undefined;
      arm();
    });
  }

  async function pass(keys: RetainedKey[]): Promise<void> {
    for (let i = 0; i < keys.length && !closed; i += maxRetainKeys) {
      try {
        await retention.retainKeys(keys.slice(i, i + maxRetainKeys));
      } catch (err) {
        opts.onError(err);
      }
    }
  }

  return {
    add(key) {
      if (closed) return;
      pending.set(retainedKeyId(key), key);
      arm();
    },
    async flush() {
      for (;;) {
        if (running !== undefined) await running;
        else if (pending.size > 0 && !closed) {
          clearTimeout(timer);
          start();
        } else return;
      }
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
