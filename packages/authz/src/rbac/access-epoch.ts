import type { Queryable } from "@guardian/db";
import { sleep } from "@guardian/kit";
import type { AccessChanges } from "../access-changes/access-changes.js";
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
   * The epoch as {@link AccessEpoch.read} would answer it without a query (heard in step with
   * commits, see {@link AccessEpochOptions.heardInStep}), or undefined when only a query can
   * tell. Callers that get an epoch here need not wait for a read.
   */
  known?(): bigint | undefined;
  /**
   * Calls `listener` with every new epoch seen: as the process hears of it, and by polling
   * while at least one listener is subscribed and changes are not heard (so that idle streams
   * learn of changes too). Returns the unsubscribe function.
   */
  subscribe(listener: (epoch: bigint) => void): () => void;
}

/** Options of {@link createAccessEpoch}. */
export interface AccessEpochOptions {
  /** How often the epoch is polled while listeners are subscribed. */
  pollMs: number;
  /** Receives the first of a run of failed polls (later polls retry). */
  onError?: (err: unknown) => void;
  /** The process's access changes: while live, they replace polling (but see livePollMs). */
  changes?: AccessChanges;
  /**
   * While access changes are heard, the epoch is still polled this often: a connection that
   * hears them can die without a sign (a silent network partition) and stay "live" until its
   * keepalive notices, so this bounds how late idle streams learn of a revocation. Unset: no
   * polling while live (changes heard in step cannot be missed).
   */
  livePollMs?: number;
  /**
   * Every change is heard before the statement that committed it returns, and before any
   * later statement on the database runs (PGlite, whose one backend every connection
   * shares). While {@link AccessChanges.live}, {@link AccessEpoch.read} then answers from
   * what was heard, without a query.
   */
  heardInStep?: boolean;
  /**
   * The least time between the starts of two epoch queries (default 10 ms). A read that comes
   * sooner waits for the next query, shared by everyone who arrives meanwhile: under a burst
   * of stream messages the process makes at most one query per gap, and an idle one answers
   * its next read at once.
   */
  gapMs?: number;
  /** The clock, in milliseconds (default `performance.now`); tests pass their own. */
  now?: () => number;
}

/** The default of {@link AccessEpochOptions.gapMs}. */
const defaultGapMs = 10;

/**
 * Creates the per-process access epoch reader shared by every open stream of the process.
 * It costs one small query per burst of outgoing stream messages, at most one per
 * {@link AccessEpochOptions.gapMs} (none while changes are
 * heard in step, see {@link AccessEpochOptions.heardInStep}), and, while streams are
 * open but access changes are not heard, one per poll interval; nothing while no stream is
 * open.
 */
export function createAccessEpoch(db: Queryable, opts: AccessEpochOptions): AccessEpoch {
  let inflight: Promise<bigint> | undefined;
  let queued: Promise<bigint> | undefined;
  let last: bigint | undefined;
  // The generation of the access changes that `last` accounts for: the newest generation at
  // which an epoch was heard, or at which a query that read one started.
  let knownAt = -1;
  const listeners = new Set<(epoch: bigint) => void>();
  let timer: NodeJS.Timeout | undefined;

  const seen = (epoch: bigint) => {
    if (last === undefined || epoch > last) {
      last = epoch;
      for (const l of [...listeners]) l(epoch);
    }
  };

  const gapMs = opts.gapMs ?? defaultGapMs;
  const now = opts.now ?? (() => performance.now());
  let startedAt = -Infinity;

  const start = (): Promise<bigint> => {
    startedAt = now();
    const at = opts.changes?.generation() ?? -1;
    const p = selectAccessEpoch(db).then((epoch) => {
      seen(epoch);
      if (at > knownAt) knownAt = at;
      return epoch;
    });
    inflight = p;
    const clear = () => {
      if (inflight === p) inflight = undefined;
    };
    p.then(clear, clear);
    return p;
  };

  // Heard in step, the newest epoch heard counts every change committed so far, unless a
  // change came without its epoch (or contact was lost or regained) since.
  const known = (): bigint | undefined => {
    const changes = opts.changes;
    return opts.heardInStep && changes?.live() && changes.generation() === knownAt
      ? last
      : undefined;
  };

  const read = (): Promise<bigint> => {
    const heard = known();
    if (heard !== undefined) return Promise.resolve(heard);
    if (!inflight && !queued && now() - startedAt >= gapMs) return start();
    // A query already in flight may have started before the caller's event; wait for the
    // next one, shared by everyone who arrives meanwhile. It starts after the one in flight
    // ends and a gap after the last start, so it still starts after every caller it answers.
    if (!queued) {
      // Once the queued query starts, later callers must not join it.
      const startQueued = () => {
        queued = undefined;
        return start();
      };
      const afterGap = (): Promise<bigint> => {
        const left = startedAt + gapMs - now();
        // Never synchronously: `queued` must be assigned before startQueued clears it, or a
        // settled query would stay queued and answer every later read with its old epoch.
        return left > 0 ? sleep(left).then(startQueued) : Promise.resolve().then(startQueued);
      };
      queued = inflight ? inflight.then(afterGap, afterGap) : afterGap();
    }
    return queued;
  };

  // Only the first of a run of failed polls is reported, not one every interval.
  let failing = false;
  // A change heard without its epoch (or contact regained) is looked up.
  opts.changes?.subscribe((epoch) => {
    if (epoch !== undefined) {
      seen(epoch);
      // An epoch older than one already seen adds nothing; the newer one still holds.
      if (last === epoch) knownAt = opts.changes?.generation() ?? -1;
    } else if (listeners.size > 0) read().catch(() => {});
  });

  let lastLivePoll = now();
  const poll = () => {
    timer = setTimeout(() => {
      const live = opts.changes?.live();
      const due = opts.livePollMs !== undefined && now() - lastLivePoll >= opts.livePollMs;
      if (live && !due) {
        poll();
        return;
      }
      if (live) lastLivePoll = now();
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
    known,
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
