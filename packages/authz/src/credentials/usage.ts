import { LRUCache } from "lru-cache";

/** Records uses of credentials (API keys, users) for `last_used_at` and `last_seen_at`. */
export interface UsageRecorder {
  /** Notes a use of `id`; it is written with others shortly after, at most once a minute. */
  record(id: string): void;
  /** Writes what is pending now, and stops the timer. */
  close(): Promise<void>;
}

/** Options of {@link createUsageRecorder}. */
export interface UsageRecorderOptions {
  /** Writes the uses of `ids` in one statement. */
  write(ids: readonly string[]): Promise<void>;
  /** How long after the first pending use the pending uses are written. */
  delayMs: number;
  /** Receives failed writes (those uses are forgotten; the next use is recorded again). */
  onError?: (err: unknown) => void;
  /** The clock of the once-a-minute rule (milliseconds); tests pass their own. */
  now?: () => number;
}

/** A use is written at most once a minute per id (and process; the SQL skips fresh rows). */
const usageIntervalMs = 60_000;

/**
 * Creates a recorder that keeps usage bookkeeping off the request path: a use adds the id
 * to a pending set (unless it was written within the last minute), and a timer writes the
 * pending ids in one statement.
 */
export function createUsageRecorder(opts: UsageRecorderOptions): UsageRecorder {
  // Ids written within the last minute, at most 100,000 of them.
  // lru-cache sizes its arrays for `max` up front: made on the first use, not at start.
  let cache: LRUCache<string, true> | undefined;
  const recent = (): LRUCache<string, true> =>
    (cache ??= new LRUCache<string, true>({
      max: 100_000,
      ttl: usageIntervalMs,
      ...(opts.now ? { perf: { now: opts.now }, ttlResolution: 0 } : {}),
    }));
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    if (pending.size === 0) return writing;
    const ids = [...pending];
    pending = new Set();
    writing = writing.then(() =>
      opts.write(ids).catch((err: unknown) => {
        for (const id of ids) cache?.delete(id);
        opts.onError?.(err);
      }),
    );
    return writing;
  };

  return {
    record(id) {
      const seen = recent();
      if (seen.has(id)) return;
      seen.set(id, true);
      pending.add(id);
      if (!timer) {
        timer = setTimeout(() => void flush(), opts.delayMs);
        timer.unref();
      }
    },
    close: flush,
  };
}
