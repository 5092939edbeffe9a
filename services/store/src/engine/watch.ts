import { StoreError } from "./errors.js";
import type { Fanout } from "./fanout.js";
import type { RevisionRecord, WatchItem, WatchScope, WatchStart } from "./types.js";

/** What {@link watchFrom} needs from an engine besides its fan-out. */
export interface WatchSource {
  fanout: Fanout;
  /** The compact revision: every change at or below it may no longer be retained. */
  compactRevision(): Promise<bigint>;
  /** The newest revision committed anywhere (not only what the fan-out has delivered). */
  committedRevision(): Promise<bigint>;
  /** Reads retained records in `scope` with after < revision <= upTo, in revision order. */
  backlog(scope: WatchScope, after: bigint, upTo: bigint): AsyncIterable<RevisionRecord[]>;
  /**
   * Tells whether the engine's source of truth answers now (etcd: a quorum read). While it
   * does not, idle progress is withheld: a progress vouches that nothing changed up to its
   * revision, which the store cannot know without its source. Unset: always.
   */
  confirm?(): Promise<boolean>;
}

/**
 * Streams changes after `start` (exclusive; `"now"`: the fan-out's current revision) from an
 * engine: first the retained backlog, then live events from the fan-out, with no gap and no
 * duplicate between the two. Yields `compacted` and ends when `start` is no longer retained;
 * fails with `future_revision` when `start` is ahead of the newest committed revision. Yields
 * `progress` after `progressIntervalMs` idle, while `src.confirm` (when set) says the engine's
 * source of truth answers.
 */
export async function* watchFrom(
  src: WatchSource,
  scope: WatchScope,
  start: WatchStart,
  signal: AbortSignal,
  progressIntervalMs = 5_000,
): AsyncGenerator<WatchItem> {
  // Subscribe before reading the backlog, so nothing committed in between is lost.
  const sub = src.fanout.subscribe(scope);
  try {
    const upTo = src.fanout.revision;
    const from = start === "now" ? upTo : start;
    // A start beyond the next revision would silently skip the changes before it.
    if (from > upTo) {
      const committed = await src.committedRevision();
      if (from > committed) {
        throw new StoreError(
          "future_revision",
          `start revision ${from + 1n} is ahead of the store's next revision ${committed + 1n}`,
        );
      }
    }
    const compact = await src.compactRevision();
    if (from < compact) {
      yield { kind: "compacted", compactRevision: compact, currentRevision: upTo };
      return;
    }
    let last = from;
    // Nothing lies between a start at the fan-out's revision and it: no read (on etcd, a
    // range filtered by revision reads every record under the scope's prefix).
    const backlog = from < upTo ? src.backlog(scope, from, upTo) : [];
    for await (const batch of backlog) {
      for (const r of batch) {
        last = r.revision;
        yield { kind: "events", revision: r.revision, events: [r] };
      }
    }
    // The backlog may have been compacted while it was being read.
    const compactAfter = await src.compactRevision();
    if (compactAfter > from) {
      yield { kind: "compacted", compactRevision: compactAfter, currentRevision: upTo };
      return;
    }
    if (last < upTo) last = upTo;
    yield { kind: "progress", revision: last };
    for (;;) {
      const item = await sub.next(signal, progressIntervalMs);
      if (item === "idle") {
        if (src.confirm && !(await src.confirm())) continue;
        yield {
          kind: "progress",
          revision: src.fanout.revision > last ? src.fanout.revision : last,
        };
        continue;
      }
      if (item.kind === "events") {
        if (item.revision <= last) continue;
        last = item.revision;
      }
      yield item;
    }
  } finally {
    sub.close();
  }
}
