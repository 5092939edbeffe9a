import type { KeyValue, RevisionRecord } from "./types.js";

/**
 * Converts a (live) revision record into the key-value it produced. `created` is the record
 * at its create revision, for createdBy/createTime; the record itself when absent.
 */
export function recordToKeyValue(r: RevisionRecord, created?: RevisionRecord): KeyValue {
  return {
    project: r.project,
    key: r.key,
    value: r.value,
    version: r.revision,
    createRevision: r.createRevision,
    meta: r.meta,
    createdBy: created?.meta.author ?? r.creator?.author ?? r.meta.author,
    createTime: created?.meta.time ?? r.creator?.time ?? r.meta.time,
  };
}
