import type { Queryable } from "@guardian/db";
import type { Logger } from "@guardian/kit";
import { LRUCache } from "lru-cache";
import { recordAudit, setAuditCount, type AuditEventInit } from "../sql/audit-log.js";
import { storable } from "../sql/audit-values.js";

/** Options for {@link createFailureAudit}. */
export interface FailureAuditOptions {
  /** Where the audit rows go. */
  db: Queryable;
  /** Failures of one kind within this window share one row. */
  windowMs: number;
  /** Kinds remembered at most; the oldest is written out and forgotten first. */
  maxKeys?: number;
  /** Receives failed audit writes (the refused call is refused regardless). */
  logger?: Pick<Logger, "warn">;
  /** The clock; tests pass their own. */
  now?: () => number;
}

/**
 * The audit of failed authentication, aggregated: one row per client address, actor, action,
 * target and reason within a window, whose `detail.count` says how often it happened.
 */
export interface FailureAudit {
  /**
   * Records one failure. The first of its kind in a window inserts a row (count 1); the
   * following ones are only counted in memory until the next flush. Never throws.
   */
  record(event: Omit<AuditEventInit, "result">): Promise<void>;
  /**
   * Waits for rows still being inserted, writes the counts gathered since the rows were
   * written and forgets finished windows.
   */
  flush(): Promise<void>;
  /** Stops the periodic flush and writes what is pending. */
  close(): Promise<void>;
}

interface Aggregate {
  started: number;
  count: number;
  written: number;
  id: Promise<string | undefined>;
}

/** Creates a {@link FailureAudit} that flushes its counts once per window. */
export function createFailureAudit(opts: FailureAuditOptions): FailureAudit {
  const now = opts.now ?? Date.now;
  const warn = (err: unknown) => opts.logger?.warn({ err }, "writing an audit event failed");

  const writeCount = async (agg: Aggregate): Promise<void> => {
    const count = agg.count;
    if (count <= agg.written) return;
    const id = await agg.id;
    if (id === undefined) return;
    try {
      await setAuditCount(opts.db, id, count);
      agg.written = Math.max(agg.written, count);
    } catch (err) {
      warn(err);
    }
  };

  // The least recently started kinds are forgotten first, their counts written out. Made on
  // the first refusal: lru-cache sizes its arrays for `max` when made.
  let made: LRUCache<string, Aggregate> | undefined;
  const open = () =>
    (made ??= new LRUCache<string, Aggregate>({
      max: opts.maxKeys ?? 10_000,
      dispose: (agg, _key, reason) => {
        if (reason === "evict") void writeCount(agg);
      },
    }));

  const flush = async (): Promise<void> => {
    const at = now();
    const kinds = made;
    if (!kinds) return;
    for (const [key, agg] of [...kinds]) {
      // A row still being inserted is waited for, so a flush leaves nothing in flight.
      await agg.id;
      await writeCount(agg);
      if (at - agg.started >= opts.windowMs && kinds.peek(key) === agg) kinds.delete(key);
    }
  };

  const timer = setInterval(() => void flush(), opts.windowMs);
  timer.unref();

  return {
    async record(sent) {
      const at = now();
      // Cut as stored, so that a key never holds a whole over-long username or target.
      const event = storable(sent);
      const key = JSON.stringify([
        event.remoteAddress ?? "",
        event.actor,
        event.action,
        event.target ?? "",
        event.errorCode ?? "",
        event.detail?.["reason"] ?? "",
      ]);
      const current = open().peek(key);
      if (current && at - current.started < opts.windowMs) {
        current.count++;
        return;
      }
      if (current) void writeCount(current);
      const id = recordAudit(opts.db, {
        ...event,
        result: "denied",
        detail: { ...event.detail, count: 1, window_seconds: Math.round(opts.windowMs / 1000) },
      }).catch((err: unknown) => {
        warn(err);
        return undefined;
      });
      open().set(key, { started: at, count: 1, written: 1, id });
      await id;
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
