import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ChangeEventSchema, StoreService, WatchResponse } from "@guardian/api";
import { createBackoff, sleep } from "@guardian/kit";
import { eventToChange } from "../convert.js";
import { encodedChange } from "./encoded-change.js";
import {
  createSubscriber,
  inHubScope,
  type HubEvent,
  type HubScope,
  type Subscriber,
} from "./subscriber.js";

/** Options of {@link createWatchHub}. */
export interface WatchHubOptions {
  /** Recent events kept for streams that open a little behind the hub. Default 1,024. */
  cacheEvents?: number;
  /** The most bytes of content those events may hold. Default 16 MiB. */
  cacheBytes?: number;
  /** Events a stream may fall behind before it is ended. Default 1,024. */
  bufferEvents?: number;
}

/** Why a run went live no more: it was stopped. */
const stopped = Symbol("stopped");

/** The process's one store watch, fanned out to the Watch streams of the process. */
export interface WatchHub {
  /**
   * Subscribes `scope` from revision `next` (0: from now). Resolves undefined when the hub
   * cannot serve every change from `next` on (not retained in its cache, or the store cannot
   * be followed, or at or below `retainedAfter`, the store's compact revision): the caller
   * then reads from the store itself. Rejects with the store's error when the hub cannot
   * follow the store at all.
   */
  open(
    scope: HubScope,
    next: bigint,
    signal: AbortSignal,
    retainedAfter?: bigint,
  ): Promise<HubStream | undefined>;
}

/** A stream served by the hub. */
export interface HubStream {
  subscriber: Subscriber;
  /** The retained changes from the start revision on, to send before the subscriber's. */
  replay: HubEvent[];
  /** The newest revision the hub has seen (for bookmarks). */
  revision(): bigint;
  close(): void;
}

/**
 * Creates the watch hub. While at least one stream is open it follows ONE store watch of
 * every project (without previous values) and converts each event at most once, when a
 * stream first sends it. It keeps the recent events it saw (bounded in number and bytes),
 * with no gap since its watch started, so a stream that re-opens from a revision the hub
 * still holds misses nothing and repeats nothing. The watch stops when the last stream
 * closes.
 */
export function createWatchHub(
  store: Client<typeof StoreService>,
  opts: WatchHubOptions = {},
): WatchHub {
  const cacheEvents = opts.cacheEvents ?? 1024;
  const cacheBytes = opts.cacheBytes ?? 16 * 1024 * 1024;
  const bufferEvents = opts.bufferEvents ?? 1024;
  let running: Run | undefined;

  /** One stretch of following the store, from the first stream opened to the last closed. */
  interface Run {
    abort: AbortController;
    /** Settles when the run follows the store, or with why it cannot. */
    live: Promise<void>;
    subs: Set<Subscriber>;
    // Every change after `base` up to `revision` is in `recent` (while `base` is defined).
    recent: HubEvent[];
    recentBytes: number;
    base?: bigint;
    revision: bigint;
    /** Streams waiting for the run to go live. */
    waiting: number;
  }

  const lose = (run: Run) => {
    for (const s of run.subs) s.fail({ kind: "lost" });
    run.subs.clear();
    run.recent = [];
    run.recentBytes = 0;
    run.base = undefined;
  };

  const publish = (run: Run, ev: HubEvent) => {
    run.recent.push(ev);
    run.recentBytes += ev.size;
    while (
      run.recent.length > cacheEvents ||
      (run.recentBytes > cacheBytes && run.recent.length > 0)
    ) {
      const old = run.recent.shift()!;
      run.recentBytes -= old.size;
      run.base = old.revision;
    }
    for (const s of run.subs) if (ev.revision >= s.from && inHubScope(s.scope, ev)) s.push(ev);
  };

  function start(): Run {
    let ready: (err?: unknown) => void = () => {};
    const live = new Promise<void>((resolve, reject) => {
      ready = (err) => (err === undefined ? resolve() : reject(err));
    });
    live.catch(() => {});
    const run: Run = {
      abort: new AbortController(),
      live,
      subs: new Set(),
      recent: [],
      recentBytes: 0,
      revision: 0n,
      waiting: 0,
    };
    running = run;
    void follow(run, ready).finally(() => {
      ready(stopped);
      if (running === run) running = undefined;
      lose(run);
    });
    return run;
  }

  async function follow(run: Run, ready: (err?: unknown) => void) {
    const { signal } = run.abort;
    const backoff = createBackoff({ initialMs: 100, maxMs: 2_000 });
    let renewed = false;
    while (!signal.aborted) {
      const startRevision = run.base === undefined ? 0n : run.revision + 1n;
      try {
        const req = { project: "", startRevision, progressInterval: { seconds: 5n } };
        for await (const res of store.watchKeys(req, { signal })) {
          renewed = false;
          const k = res.kind;
          if (k.case === "events") {
            for (const ev of k.value.events) {
              const kv = ev.kv;
              if (!kv || kv.version <= run.revision) continue;
              // Converted only when a stream sends it: most events may match no stream.
              let change: MessageInitShape<typeof ChangeEventSchema> | undefined;
              let encoded: WatchResponse | undefined;
              // JSON streams write the content from its text (see ContentForm "text").
              const changeOf = () => (change ??= eventToChange(ev, false, "text"));
              publish(run, {
                revision: kv.version,
                project: kv.project,
                key: kv.key,
                size: kv.value.length,
                change: changeOf,
                // Binary streams get the content's proto bytes, made from its JSON directly.
                encoded: () => (encoded ??= encodedChange(eventToChange(ev, false, "wire"))),
              });
            }
            if (k.value.revision > run.revision) run.revision = k.value.revision;
          } else if (k.case === "progress") {
            if (k.value.revision > run.revision) run.revision = k.value.revision;
            run.base ??= run.revision;
            ready();
            backoff.reset();
          } else if (k.case === "compacted") {
            break;
          }
        }
        // The store ended the watch, or the hub fell behind what it retains: the streams
        // carry on without the hub, and the hub follows the store again from now.
        lose(run);
        if (run.subs.size === 0) return;
      } catch (err) {
        if (signal.aborted) return;
        // A remote store ends its streams when this process's service token expires.
        if (!renewed && err instanceof ConnectError && err.code === Code.Unauthenticated) {
          renewed = true;
          continue;
        }
        lose(run);
        ready(err);
        if (run.subs.size === 0) return;
        await sleep(backoff.next(), signal).catch(() => {});
      }
    }
  }

  // The store watch is followed only while a stream needs it.
  const release = (run: Run) => {
    if (run.subs.size === 0 && run.waiting === 0 && running === run) {
      running = undefined;
      run.abort.abort();
    }
  };

  return {
    async open(scope, next, signal, retainedAfter = 0n) {
      const run = running ?? start();
      run.waiting++;
      try {
        await run.live;
      } catch (err) {
        if (err !== stopped) throw err;
      } finally {
        run.waiting--;
      }
      const from = next === 0n ? run.revision + 1n : next;
      const base = run.base;
      // A stream from a revision the store no longer retains gets a resync from the store,
      // even when the hub still holds the changes after it.
      if (signal.aborted || base === undefined || from - 1n < base || from - 1n < retainedAfter) {
        release(run);
        return undefined;
      }
      const subscriber = createSubscriber(scope, from, bufferEvents);
      const replay = run.recent.filter((ev) => ev.revision >= from && inHubScope(scope, ev));
      run.subs.add(subscriber);
      return {
        subscriber,
        replay,
        revision: () => (run.revision > from - 1n ? run.revision : from - 1n),
        close() {
          subscriber.dispose();
          run.subs.delete(subscriber);
          release(run);
        },
      };
    },
  };
}
