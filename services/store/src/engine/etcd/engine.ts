import { createEtcdClient, type EtcdClientOptions } from "@guardian/etcd";
import type { Etcd3 } from "etcd3";
import type { RevisionArchive } from "../../archive/types.js";
import type { RevisionRecord, StoreEngine } from "../types.js";
import { watchFrom } from "../watch.js";
import { idempotencyTtlSeconds } from "../write-rules.js";
import { startEtcdFeed } from "./feed.js";
import { createHistory } from "./history.js";
import { createKeyspace, type Keyspace } from "./keys.js";
import { createLeaseSource } from "./lease.js";
import { createReads } from "./reads.js";
import { createRetention, readMeta } from "./retention.js";
import { scheduleRetention } from "./retention-schedule.js";
import { createWriter } from "./write.js";

/** Options for {@link createEtcdEngine}. */
export interface EtcdEngineOptions extends EtcdClientOptions {
  /** Key prefix of this store in etcd. Default "/guardian/". */
  namespace?: string;
  /** Revision records kept per config once archived. Default 100. */
  retainPerConfig?: number;
  /**
   * How long the keys written past their retention gather before one pass applies it (raises
   * the compact revision and deletes their archived records). Default 1,000 ms.
   */
  retentionDelayMs?: number;
  /** Bounded buffer per watcher before it is cut off as a slow consumer. Default 1024. */
  watchBufferSize?: number;
  /** How long an "at least revision R" read waits for the watch cache before a quorum read. */
  minRevisionTimeoutMs?: number;
  /** The revision archive, so history reads include archived records. */
  archive?: RevisionArchive;
  /** Idempotency records live at least this long (plus up to one hour). Default 24 h. */
  idempotencyTtlSeconds?: number;
  onError?: (err: unknown) => void;
}

/** The etcd store engine, with what the archiver needs for its leader election. */
export interface EtcdStoreEngine extends StoreEngine {
  readonly name: "etcd";
  /** The engine's etcd client (closed by {@link StoreEngine.close}). */
  readonly client: Etcd3;
  readonly keyspace: Keyspace;
  /** Applies retention now to the keys whose pass is still due, and waits for it. */
  flushRetention(): Promise<void>;
  /**
   * The revision records after `after` (at most `limit`, oldest first) this instance's watch
   * delivered, when it still holds them all; undefined when only {@link listChanges} can
   * tell. Records committed but not delivered yet are not among them.
   */
  recentChanges(after: bigint, limit: number): RevisionRecord[] | undefined;
}

/**
 * Creates the etcd store engine (see docs/store.md).
 *
 * Revision mapping: a write's revision is the etcd header revision of its one transaction; a
 * config's version is the mod_revision of its value key and its create revision the value key's
 * create_revision; a record's revision is the mod_revision of its record key. So a version is a
 * global store revision, exactly as on the SQL engine, with gaps where other etcd keys (other
 * namespaces, idempotency expiry, retention) consumed revisions.
 */
export async function createEtcdEngine(opts: EtcdEngineOptions): Promise<EtcdStoreEngine> {
  const ks = createKeyspace(opts.namespace ?? "/guardian/");
  // At least one record per key stays: the newest names the slot of the next write.
  const retain = Math.max(1, opts.retainPerConfig ?? 100);
  const client = createEtcdClient(opts);
  const onError = opts.onError ?? (() => {});
  try {
    const history = createHistory(client, ks, opts.archive);
    // Trimming after a mark finds the newly archived keys in the feed's recent records.
    const retention = createRetention(client, ks, retain, (after, upTo) =>
      feed.recent.keysIn(after, upTo),
    );
    // Retention runs off the write path: the keys written past it during one delay share a
    // pass (one read and one compare-and-set of the compact revision), however often each
    // was written.
    const retainLater = scheduleRetention(retention, {
      delayMs: opts.retentionDelayMs ?? 1_000,
      onError,
    });
    const readNamespaceMeta = () => readMeta(client, ks);
    const feed = await startEtcdFeed({
      client,
      ks,
      bufferSize: opts.watchBufferSize,
      onError,
      readCompact: async () => (await readNamespaceMeta()).compact,
    });
    // One quorum read at a time vouches for every watcher's idle progress.
    let confirming: Promise<boolean> | undefined;
    const confirmQuorum = () =>
      (confirming ??= readNamespaceMeta()
        .then(
          () => true,
          () => false,
        )
        .finally(() => (confirming = undefined)));
    let written = 0n;
    const head = () => (written > feed.fanout.revision ? written : feed.fanout.revision);
    const compactRevision = async () => {
      const meta = await readNamespaceMeta();
      return meta.compact > feed.etcdCompactRevision ? meta.compact : feed.etcdCompactRevision;
    };
    const write = createWriter({
      client,
      ks,
      leases: createLeaseSource(client, {
        ttlSeconds: (opts.idempotencyTtlSeconds ?? idempotencyTtlSeconds) + 60 * 60,
      }),
      findRecord: history.getRevision,
      cached: (project, key) => feed.cache.withSeq(project, key),
    });
    const reads = createReads({
      client,
      ks,
      feed,
      archive: opts.archive,
      minRevisionTimeoutMs: opts.minRevisionTimeoutMs ?? 3_000,
      head,
      readMeta: readNamespaceMeta,
    });

    return {
      name: "etcd",
      client,
      keyspace: ks,
      flushRetention: () => retainLater.flush(),
      recentChanges: (after, limit) => feed.recent.since(after, limit),

      async write(input) {
        const { seq, ...result } = await write(input);
        if (result.idempotentReplay) return result;
        if (result.revision > written) written = result.revision;
        // A key with no more writes than the retention has no record out of retention.
        if (seq === undefined || seq > retain) {
          retainLater.add({ project: input.project, key: input.key });
        }
        return result;
      },

      get: reads.get,
      range: reads.range,
      listRevisions: history.listRevisions,
      getRevision: history.getRevision,

      watch(scope, startRevision, signal, progressIntervalMs) {
        return watchFrom(
          {
            fanout: feed.fanout,
            compactRevision,
            // etcd's own revision: every later write in this namespace gets a higher one.
            committedRevision: async () => (await readNamespaceMeta()).revision,
            backlog: history.backlog,
            confirm: confirmQuorum,
          },
          scope,
          startRevision,
          signal,
          progressIntervalMs,
        );
      },

      listChanges: history.listChanges,
      async markArchived(revision) {
        const archived = await retention.markArchived(revision);
        feed.recent.dropThrough(archived);
        return archived;
      },

      async currentRevision() {
        return head();
      },

      watchLag: () => head() - feed.fanout.revision,

      async compactionInfo() {
        const meta = await readNamespaceMeta();
        return {
          compactRevision:
            meta.compact > feed.etcdCompactRevision ? meta.compact : feed.etcdCompactRevision,
          currentRevision: head(),
          retainedPerConfig: retain,
          archivedRevision: meta.archived,
        };
      },

      async close() {
        await retainLater.close();
        await feed.close();
        client.close();
      },
    };
  } catch (err) {
    client.close();
    throw err;
  }
}
