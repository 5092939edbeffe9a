import { createBackoff, sleep } from "@guardian/kit";
import { FilterType, type Etcd3, type IKeyValue, type IWatchResponse } from "etcd3";
import { watchRequiringLeader } from "@guardian/etcd";
import { StoreError } from "../errors.js";
import { createFanout, type Fanout } from "../fanout.js";
import { createRevisionWaiters } from "@guardian/kit";
import { createValueCache, type ValueCache } from "./cache.js";
import { decodeWrite, type StoredWrite } from "./envelope.js";
import { prefixEnd, type Keyspace } from "./keys.js";
import { createRecentRecords, type RecentRecords } from "./recent.js";
import { loadWrites, scanRecords } from "./scan.js";

/** The change feed of one etcd engine instance: ONE upstream etcd watch. */
export interface EtcdFeed {
  readonly fanout: Fanout;
  /** Current values as of `fanout.revision`. */
  readonly cache: ValueCache;
  /** The records delivered lately, for the archiver. */
  readonly recent: RecentRecords;
  /** The highest revision etcd is known to have compacted away (0n: none seen). */
  readonly etcdCompactRevision: bigint;
  /** Records that etcd refused a read at `revision` as compacted. */
  noteEtcdCompacted(revision: bigint): void;
  /** Resolves true once the feed delivered `revision`, false after `timeoutMs` or an abort. */
  waitFor(revision: bigint, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  close(): Promise<void>;
}

/** Options of {@link startEtcdFeed}. */
export interface EtcdFeedOptions {
  client: Etcd3;
  ks: Keyspace;
  bufferSize?: number;
  onError?: (err: unknown) => void;
  /** Reads the namespace's compact revision (records at or below it may be gone). */
  readCompact: () => Promise<bigint>;
}

class UpstreamCompacted extends Error {
  constructor(readonly compactRevision: bigint) {
    super(`etcd compacted the store watch's start revision (compact revision ${compactRevision})`);
  }
}

/**
 * Starts the feed: a quorum snapshot of the value keys at revision H fills the value cache, then
 * one etcd watch on the revision-record prefix from H + 1 feeds the cache and the fan-out. Each
 * write puts exactly one record, so each event is one whole write, deletions included (with
 * their meta, which a value-key delete event would lack). Record deletions by retention are
 * filtered out server-side.
 *
 * When the watch breaks (a member dies, the leader changes) it resumes from the last delivered
 * revision + 1 with backoff, so nothing is lost or repeated. When etcd has compacted past that
 * revision, the feed re-lists: it replays the missed records from the revision records when
 * they are all still retained, and otherwise ends every current watcher with "compacted".
 */
export async function startEtcdFeed(opts: EtcdFeedOptions): Promise<EtcdFeed> {
  const { client, ks } = opts;
  const prefix = ks.recordPrefix();
  const snapshot = await loadWrites(client, ks.kvPrefix());
  const cache = createValueCache();
  cache.reset(snapshot.writes);
  const fanout = createFanout({ startRevision: snapshot.revision, bufferSize: opts.bufferSize });
  const waiters = createRevisionWaiters(() => fanout.revision);
  const recent = createRecentRecords({ revision: snapshot.revision });
  const stopping = new AbortController();
  let etcdCompact = 0n;
  let closeStream: (() => void) | undefined;

  /** Decodes a record; a malformed one is reported and skipped so it cannot stall the feed. */
  function decodeOrReport(kv: IKeyValue): StoredWrite[] {
    try {
      return [decodeWrite(kv)];
    } catch (err) {
      opts.onError?.(err);
      return [];
    }
  }

  function deliver(writes: StoredWrite[], upTo: bigint) {
    const fresh = writes.filter((w) => w.record.revision > fanout.revision);
    for (const w of fresh) cache.apply(w);
    const records = fresh.map((w) => w.record);
    fanout.publish(records, upTo);
    recent.append(records, upTo);
    waiters.wake();
  }

  /** Follows the watch until it breaks; resolves on a clean end, rejects with the reason. */
  async function follow(onCreated: () => void): Promise<void> {
    // Ended by a member that lost its leader, so that a partitioned member cannot hold the
    // feed silent while the majority commits writes.
    const stream = await watchRequiringLeader(client);
    if (stopping.signal.aborted) return stream.cancel();
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (err?: unknown) => {
        if (settled) return;
        settled = true;
        closeStream = undefined;
        // Half-close first: the client library then does not count our own cancel as a failure
        // of the member.
        stream.end();
        stream.cancel();
        if (err === undefined) resolve();
        else reject(err instanceof Error ? err : new Error(String(err)));
      };
      closeStream = () => finish();
      stream.on("data", (res: IWatchResponse) => {
        try {
          if (res.canceled) {
            const compact = BigInt(res.compact_revision || "0");
            finish(
              compact > 0n
                ? new UpstreamCompacted(compact)
                : new Error(`etcd cancelled the store watch: ${res.cancel_reason}`),
            );
          } else if (res.created) {
            onCreated();
          } else if (res.events.length > 0) {
            const writes = res.events
              .filter((e) => String(e.type).toUpperCase() === "PUT")
              .flatMap((e) => decodeOrReport(e.kv));
            const last = writes[writes.length - 1];
            if (last) deliver(writes, last.record.revision);
          }
          // Progress notifications are ignored: the feed only advances on records it has seen.
        } catch (err) {
          finish(err);
        }
      });
      stream.on("error", (err: Error) => finish(err));
      stream.on("end", () => finish(new Error("etcd ended the store watch")));
      stream.write({
        create_request: {
          key: prefix,
          range_end: prefixEnd(prefix),
          start_revision: (fanout.revision + 1n).toString(),
          filters: [FilterType.Nodelete],
        },
      });
    });
  }

  /** Re-lists after etcd compacted past the feed's revision. */
  async function resync(): Promise<void> {
    const from = fanout.revision;
    const now = await loadWrites(client, ks.kvPrefix());
    const missed: StoredWrite[] = [];
    for await (const batch of scanRecords(client, prefix, from, now.revision))
      missed.push(...batch);
    const compact = await opts.readCompact();
    // Everything below happens in one tick, so no watcher sees a half-applied resync.
    if (compact > from) {
      recent.restart(now.revision);
      fanout.failAll(
        new StoreError(
          "compacted",
          `the store's watch cache lost revisions after ${from}; resume from a snapshot`,
          { compactRevision: compact },
        ),
      );
    } else {
      const records = missed.map((w) => w.record);
      fanout.publish(records, now.revision);
      recent.append(records, now.revision);
    }
    cache.reset(now.writes);
    fanout.publish([], now.revision);
    waiters.wake();
  }

  async function run(): Promise<void> {
    const backoff = createBackoff({ initialMs: 50, maxMs: 2_000 });
    while (!stopping.signal.aborted) {
      try {
        await follow(() => backoff.reset());
      } catch (err) {
        if (stopping.signal.aborted) break;
        if (err instanceof UpstreamCompacted) {
          if (err.compactRevision - 1n > etcdCompact) etcdCompact = err.compactRevision - 1n;
          try {
            await resync();
            continue;
          } catch (resyncErr) {
            opts.onError?.(resyncErr);
          }
        } else {
          opts.onError?.(err);
        }
      }
      if (stopping.signal.aborted) break;
      await sleep(backoff.next(), stopping.signal);
    }
  }

  const running = run();

  return {
    fanout,
    cache,
    recent,
    get etcdCompactRevision() {
      return etcdCompact;
    },
    noteEtcdCompacted(revision) {
      if (revision > etcdCompact) etcdCompact = revision;
    },
    waitFor: (revision, timeoutMs, signal) => waiters.wait(revision, timeoutMs, signal),
    async close() {
      stopping.abort();
      closeStream?.();
      await running;
      waiters.endAll();
      fanout.failAll(new StoreError("unavailable", "the store is shutting down"));
    },
  };
}
