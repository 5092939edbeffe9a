import type { Etcd3 } from "etcd3";
import { latestPerKey } from "../../archive/merge.js";
import type { KeyMatch, RevisionArchive } from "../../archive/types.js";
import { recordToKeyValue } from "../records.js";
import type { KeyValue, RevisionRecord } from "../types.js";
import type { StoredWrite } from "./envelope.js";
import type { Keyspace } from "./keys.js";
import { scanRecords } from "./scan.js";

/**
 * Rebuilds the live configs of a project (one key, or a prefix) as of `revision` from the
 * revision records in etcd and, when given, the archive: per key, the newest record at or
 * below the revision, unless it is a deletion. Used once etcd has compacted the revision.
 *
 * Complete when an archive is given (a record leaves etcd only after it is archived), or when
 * the revision is above the retention horizon (no key's state at it has left etcd).
 */
export async function stateFromHistory(
  src: { client: Etcd3; ks: Keyspace; archive?: RevisionArchive },
  project: string,
  match: KeyMatch,
  revision: bigint,
): Promise<KeyValue[]> {
  const prefix =
    "key" in match
      ? src.ks.recordsOf(project, match.key)
      : src.ks.recordPrefix(project, match.prefix);
  const inEtcd = new Map<bigint, StoredWrite>();
  for await (const batch of scanRecords(src.client, prefix, 0n, revision)) {
    for (const w of batch) inEtcd.set(w.record.revision, w);
  }
  const archived = src.archive ? await src.archive.latestAt(project, match, revision) : [];
  const live = latestPerKey<{ record: RevisionRecord; createdBy?: string; createTime?: Date }>(
    [...inEtcd.values()],
    archived.map((record) => ({ record })),
  ).filter((l) => !l.record.deleted);
  const kvs: KeyValue[] = [];
  for (const l of live) {
    const r = l.record;
    if (l.createdBy !== undefined && l.createTime !== undefined) {
      kvs.push({ ...recordToKeyValue(r), createdBy: l.createdBy, createTime: l.createTime });
      continue;
    }
    // Archive rows do not carry the creator: read it from the record at the create revision.
    const created =
      inEtcd.get(r.createRevision)?.record ??
      (await src.archive?.get(project, r.key, r.createRevision)) ??
      r;
    kvs.push(recordToKeyValue(r, created));
  }
  return kvs;
}
