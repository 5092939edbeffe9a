import type { Etcd3 } from "etcd3";
import type pg from "pg";
import type { KeyValue, RevisionRecord } from "../types.js";
import { selectArchivedLatestAt, selectArchivedRevision } from "./archive.js";
import type { StoredWrite } from "./envelope.js";
import type { Keyspace } from "./keys.js";
import { scanRecords } from "./scan.js";

interface Latest {
  record: RevisionRecord;
  createdBy?: string;
  createTime?: Date;
}

/**
 * Rebuilds the live configs of a project (one key, or a prefix) as of `revision` from the
 * revision records in etcd and, when given, the archive: per key, the newest record at or
 * below the revision, unless it is a deletion. Used once etcd has compacted the revision.
 *
 * Complete when an archive is given (a record leaves etcd only after it is archived), or when
 * the revision is above the retention horizon (no key's state at it has left etcd).
 */
export async function stateFromHistory(
  src: { client: Etcd3; ks: Keyspace; archivePool?: pg.Pool },
  project: string,
  match: { key: string } | { prefix: string },
  revision: bigint,
): Promise<KeyValue[]> {
  const prefix =
    "key" in match
      ? src.ks.recordsOf(project, match.key)
      : src.ks.recordPrefix(project, match.prefix);
  const latest = new Map<string, Latest>();
  const inEtcd = new Map<bigint, StoredWrite>();
  for await (const batch of scanRecords(src.client, prefix, 0n, revision)) {
    for (const w of batch) {
      inEtcd.set(w.record.revision, w);
      const seen = latest.get(w.record.key);
      if (!seen || seen.record.revision < w.record.revision) {
        latest.set(w.record.key, {
          record: w.record,
          createdBy: w.createdBy,
          createTime: w.createTime,
        });
      }
    }
  }
  if (src.archivePool) {
    for (const r of await selectArchivedLatestAt(src.archivePool, project, match, revision)) {
      const seen = latest.get(r.key);
      if (!seen || seen.record.revision < r.revision) latest.set(r.key, { record: r });
    }
  }
  const live = [...latest.values()]
    .filter((l) => !l.record.deleted)
    .sort((a, b) => (a.record.key < b.record.key ? -1 : a.record.key > b.record.key ? 1 : 0));
  const kvs: KeyValue[] = [];
  for (const l of live) {
    const r = l.record;
    if (l.createdBy === undefined || l.createTime === undefined) {
      // Archive rows do not carry the creator: read it from the record at the create revision.
      const created =
        inEtcd.get(r.createRevision)?.record ??
        (src.archivePool &&
          (await selectArchivedRevision(src.archivePool, project, r.key, r.createRevision))) ??
        r;
      l.createdBy = created.meta.author;
      l.createTime = created.meta.time;
    }
    kvs.push({
      project: r.project,
      key: r.key,
      value: r.value,
      version: r.revision,
      createRevision: r.createRevision,
      meta: r.meta,
      createdBy: l.createdBy,
      createTime: l.createTime,
    });
  }
  return kvs;
}
