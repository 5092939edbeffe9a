import type { Queryable } from "@guardian/db";
import { selectAccessEpoch } from "../sql/access-epoch.js";

/**
 * The process's view of the access epoch (table `access_epoch`), a counter that PostgreSQL
 * triggers move forward in the same transaction as every change that can take access away:
 * an API key revoked, expired earlier, rescoped or rotated; a role binding removed or
 * changed; a user disabled, deleted or given other global roles.
 */
export interface AccessEpoch {
  /**
   * Reads the epoch with a query that starts after this call: a change committed before
   * the call is always counted. Concurrent callers share queries: one in flight, at most one
   * queued behind it.
   */
  read(): Promise<bigint>;
  /**
   * Calls `listener` with every new epoch seen, polling while at least one listener is
   * subscribed (so that idle streams learn of changes too). Returns the unsubscribe function.
   */
  subscribe(listener: (epoch: bigint) => void): () => void;
}

/** Options of {@link createAccessEpoch}. */
export interface AccessEpochOptions {
  /** How often the epoch is polled while listeners are subscribed. */
  pollMs: number;
  /** Receives the first of a run of failed polls (later polls retry). */
  onError?: (err: unknown) => void;
}

/**
 * Creates the per-process access epoch reader shared by every open stream of the process.
 * It costs one small query per poll interval while streams are open, and one per burst of
 * outgoing stream messages; nothing while no stream is open.
 */
export function createAccessEpoch(db: Queryable, opts: AccessEpochOptions): AccessEpoch {
  let inflight: Promise<bigint> | undefined;
  let queued: Promise<bigint> | undefined;
  let last: bigint | undefined;
  const listeners = new Set<(epoch: bigint) => void>();
  let timer: NodeJS.Timeout | undefined;

  const start = (): Promise<bigint> => {
    const p = selectAccessEpoch(db).then((epoch) => {
      if (last === undefined || epoch > last) {
        last = epoch;
        for (const l of [...listeners]) l(epoch);
      }
      return epoch;
    });
    inflight = p;
    const clear = () => {
      if (inflight === p) inflight = undefined;
    };
    p.then(clear, clear);
    return p;
  };

  const read = (): Promise<bigint> => {
    // A query already in flight may have started before the caller's event; wait for the
    // next one, shared by everyone who arrives meanwhile.
    if (!inflight) return start();
    if (!queued) {
      // Once the queued query starts, later callers must not join it.
      const startQueued = () => {
        queued = undefined;
        return start();
      };
      queued = inflight.then(startQueued, startQueued);
    }
    return queued;
  };

  // Only the first of a run of failed polls is reported, not one every interval.
  let failing = false;
  const poll = () => {
    timer = setTimeout(() => {
      read().then(
        () => (failing = false),
        (err: unknown) => {
          if (!failing) opts.onError?.(err);
          failing = true;
        },
      );
      if (listeners.size > 0) poll();
      else timer = undefined;
    }, opts.pollMs);
    timer.unref();
  };

  return {
    read,
    subscribe(listener) {
      listeners.add(listener);
      if (!timer) poll();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer) {
          clearTimeout(timer);
          timer = undefined;
        }
      };
    },
  };
}
