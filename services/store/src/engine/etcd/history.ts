import { SortOrder, SortTarget, type Etcd3 } from "etcd3";
import { mergeNewestFirst } from "../../archive/merge.js";
import type { RevisionArchive } from "../../archive/types.js";
import { inScope } from "../scope.js";
import type { RevisionRecord, StoreEngine, WatchScope } from "../types.js";
import { call } from "./calls.js";
import { decodeWrite, type StoredWrite } from "./envelope.js";
import { prefixEnd, type Keyspace } from "./keys.js";
import { scanRecords } from "./scan.js";

/** History reads over the revision records in etcd and, when given, the revision archive. */
export interface History extends Pick<
  StoreEngine,
  "listRevisions" | "getRevision" | "listChanges"
> {
  backlog(scope: WatchScope, after: bigint, upTo: bigint): AsyncIterable<RevisionRecord[]>;
}

/**
 * Creates the history reads. Records in etcd are the newest N per key plus anything not yet
 * archived; the archive holds everything archived. A query asks both and merges by revision,
 * so it does not matter whether a record has been trimmed from etcd yet.
 */
export function createHistory(client: Etcd3, ks: Keyspace, archive?: RevisionArchive): History {
  async function keyWrites(
    project: string,
    key: string,
    opts: { maxRevision?: bigint; exact?: bigint; newestFirst?: boolean; limit?: number } = {},
  ): Promise<StoredWrite[]> {
    const prefix = ks.recordsOf(project, key);
    const res = await call("read the config's history", () =>
      client.kv.range({
        key: prefix,
        range_end: prefixEnd(prefix),
        min_mod_revision: opts.exact?.toString(),
        max_mod_revision: (opts.exact ?? opts.maxRevision)?.toString(),
        sort_target: SortTarget.Key,
        sort_order: opts.newestFirst ? SortOrder.Descend : SortOrder.Ascend,
        limit: opts.limit,
      }),
    );
    return res.kvs.map(decodeWrite);
  }

  function scopePrefix(scope: WatchScope): Buffer {
    if (!scope.project) return ks.recordPrefix();
    if (scope.key) return ks.recordsOf(scope.project, scope.key);
    return ks.recordPrefix(scope.project, scope.prefix ?? "");
  }

  return {
    async listRevisions(project, key, lo = {}) {
      const limit = lo.limit ?? 100;
      const before = lo.before;
      const [inEtcd, archived] = await Promise.all([
        keyWrites(project, key, {
          maxRevision: before !== undefined ? before - 1n : undefined,
          newestFirst: true,
          limit: limit + 1,
        }),
        archive ? archive.history(project, key, { before, limit: limit + 1 }) : [],
      ]);
      const merged = mergeNewestFirst(
        archived,
        inEtcd.map((w) => w.record),
      );
      return { records: merged.slice(0, limit), more: merged.length > limit };
    },

    async getRevision(project, key, revision) {
      const [w] = await keyWrites(project, key, { exact: revision });
      if (w) return w.record;
      return archive?.get(project, key, revision);
    },

    async listChanges(after, limit) {
      for await (const batch of scanRecords(client, ks.recordPrefix(), after, undefined, limit)) {
        return batch.map((w) => w.record);
      }
      return [];
    },

    async *backlog(scope, after, upTo) {
      for await (const batch of scanRecords(client, scopePrefix(scope), after, upTo)) {
        yield batch.map((w) => w.record).filter((r) => inScope(scope, r));
      }
    },
  };
}
