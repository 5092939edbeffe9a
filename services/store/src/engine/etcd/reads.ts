import type { Etcd3 } from "etcd3";
import type { RevisionArchive } from "../../archive/types.js";
import { StoreError } from "../errors.js";
import { checkNotAhead } from "../revision-rules.js";
import type { KeyValue, RangeResult, StoreEngine } from "../types.js";
import { call } from "./calls.js";
import { decodeWrite, writeToKeyValue } from "./envelope.js";
import type { EtcdFeed } from "./feed.js";
import { keyAfter, prefixEnd, type Keyspace } from "./keys.js";
import { collectPage, type PageOptions } from "../page.js";
import { stateFromHistory } from "./past.js";
import type { RetentionMeta } from "./retention.js";

/** What the read path needs. */
export interface ReadDeps {
  client: Etcd3;
  ks: Keyspace;
  feed: EtcdFeed;
  archive?: RevisionArchive;
  minRevisionTimeoutMs: number;
  /** The newest revision of this namespace the instance knows to be committed. */
  head(): bigint;
  readMeta(): Promise<RetentionMeta>;
}

/** The get and range reads of the etcd engine. */
export type Reads = Pick<StoreEngine, "get" | "range">;

/**
 * Creates the reads:
 * - current state: a quorum (linearizable) etcd read, reflecting etcd's revision at the read;
 * - "at least revision R": the watch cache once it has delivered R (waiting up to the deadline
 *   for a revision this instance knows is committed), otherwise a quorum read, which also
 *   tells a revision etcd has not reached yet (future_revision);
 * - past revision R: etcd's MVCC state at R while etcd has not compacted it, otherwise rebuilt
 *   from the revision records and the archive (see past.ts).
 */
export function createReads(deps: ReadDeps): Reads {
  const { client, ks, feed } = deps;

  async function cacheReaches(minRevision: bigint, signal?: AbortSignal): Promise<boolean> {
    if (feed.fanout.revision >= minRevision) return true;
    if (minRevision > deps.head()) return false;
    return feed.waitFor(minRevision, deps.minRevisionTimeoutMs, signal);
  }

  /** Reads one page under a value-key prefix from etcd, at `at` or (absent) now. */
  async function rangeEtcd(
    project: string,
    prefix: string,
    page: PageOptions,
    at?: bigint,
  ): Promise<RangeResult> {
    const start = ks.kvPrefix(project, prefix);
    const end = prefixEnd(start);
    const counted = await call("count configs", () =>
      client.kv.range({ key: start, range_end: end, count_only: true, revision: at?.toString() }),
    );
    const revision = at ?? BigInt(counted.header.revision);
    const afterKey = page.after !== undefined ? keyAfter(ks.kv(project, page.after)) : start;
    let from = Buffer.compare(afterKey, start) > 0 ? afterKey : start;
    const batch = Math.min(Math.max(page.limit + 1, 100), 1000);
    const kvs: KeyValue[] = [];
    for (;;) {
      const res = await call("read configs", () =>
        client.kv.range({ key: from, range_end: end, limit: batch, revision: revision.toString() }),
      );
      const got = collectPage(
        res.kvs.map((kv) => writeToKeyValue(decodeWrite(kv))),
        { ...page, after: undefined, limit: page.limit + 1 - kvs.length },
      );
      kvs.push(...got.kvs);
      const last = res.kvs[res.kvs.length - 1];
      if (got.more || kvs.length > page.limit || !res.more || !last) break;
      from = keyAfter(last.key);
    }
    return {
      kvs: kvs.slice(0, page.limit),
      more: kvs.length > page.limit,
      revision,
      count: BigInt(counted.count),
    };
  }

  /** Reads a past state: etcd MVCC first, then records and archive once etcd compacted it. */
  async function rangeAt(
    project: string,
    match: { key: string } | { prefix: string },
    page: PageOptions,
    revision: bigint,
  ): Promise<RangeResult> {
    if (revision === feed.fanout.revision) {
      // The cache holds exactly the state at its revision.
      return rangeCache(project, match, page);
    }
    try {
      if ("prefix" in match) return await rangeEtcd(project, match.prefix, page, revision);
      const res = await call("read the config", () =>
        client.kv.range({ key: ks.kv(project, match.key), revision: revision.toString() }),
      );
      const kv = res.kvs[0];
      return {
        kvs: kv ? [writeToKeyValue(decodeWrite(kv))] : [],
        more: false,
        revision,
        count: kv ? 1n : 0n,
      };
    } catch (err) {
      if (!(err instanceof StoreError) || err.kind !== "compacted") throw err;
      feed.noteEtcdCompacted(revision);
    }
    const meta = await deps.readMeta();
    if (!deps.archive && revision <= meta.horizon) {
      throw new StoreError(
        "compacted",
        `revision ${revision} is no longer retained; its history is in the archive`,
        { compactRevision: meta.horizon },
      );
    }
    const live = await stateFromHistory(
      { client, ks, archive: deps.archive },
      project,
      match,
      revision,
    );
    return { ...collectPage(live, page), revision, count: BigInt(live.length) };
  }

  function rangeCache(
    project: string,
    match: { key: string } | { prefix: string },
    page: PageOptions,
  ): RangeResult {
    const revision = feed.fanout.revision;
    if ("key" in match) {
      const kv = feed.cache.get(project, match.key);
      return { kvs: kv ? [kv] : [], more: false, revision, count: kv ? 1n : 0n };
    }
    return { ...feed.cache.range(project, match.prefix, page), revision };
  }

  return {
    async get(project, key, ro = {}) {
      const one: PageOptions = { limit: 1 };
      if (ro.revision) {
        const res = await rangeAt(project, { key }, one, ro.revision);
        return { kv: res.kvs[0], revision: ro.revision };
      }
      if (ro.minRevision && (await cacheReaches(ro.minRevision, ro.signal))) {
        const res = rangeCache(project, { key }, one);
        return { kv: res.kvs[0], revision: res.revision };
      }
      const res = await call("read the config", () =>
        client.kv.range({ key: ks.kv(project, key) }),
      );
      const revision = BigInt(res.header.revision);
      if (ro.minRevision) checkNotAhead(ro.minRevision, revision);
      const kv = res.kvs[0];
      return { kv: kv && writeToKeyValue(decodeWrite(kv)), revision };
    },

    async range(project, prefix, ro = {}) {
      const page: PageOptions = {
        after: ro.after,
        limit: ro.limit ?? 100,
        schema: ro.schema,
        labels: ro.labels,
        keysOnly: ro.keysOnly,
      };
      if (ro.revision) return rangeAt(project, { prefix }, page, ro.revision);
      if (ro.minRevision && (await cacheReaches(ro.minRevision, ro.signal))) {
        return rangeCache(project, { prefix }, page);
      }
      const res = await rangeEtcd(project, prefix, page);
      if (ro.minRevision) checkNotAhead(ro.minRevision, res.revision);
      return res;
    },
  };
}
