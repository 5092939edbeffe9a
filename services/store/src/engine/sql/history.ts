import type { Queryable } from "@guardian/db";
import { latestPerKey, mergeNewestFirst } from "../../archive/merge.js";
import { createSqlArchive } from "../../archive/sql-archive.js";
import * as records from "../../archive/sql/records.js";
import { toRecord } from "../../archive/sql/rows.js";
import type { KeyMatch } from "../../archive/types.js";
import type { KeyValue, RevisionRecord } from "../types.js";

// Records only ever move from the change log to the archive, so every function here reads the
// change log first: a record moved in between is then found in the archive.
const log = "store_log";

/** Reads one config's revisions below `before`, newest first, from the change log and the archive. */
export async function selectHistory(
  db: Queryable,
  project: string,
  key: string,
  before: bigint | undefined,
  limit: number,
): Promise<RevisionRecord[]> {
  const recent = await records.selectRecordHistory(db, log, project, key, before, limit);
  const archived = await createSqlArchive(db).history(project, key, { before, limit });
  return mergeNewestFirst(archived, recent.map(toRecord)).slice(0, limit);
}

/** Reads one revision of one config from the change log or the archive. */
export async function findRecord(
  db: Queryable,
  project: string,
  key: string,
  revision: bigint,
): Promise<RevisionRecord | undefined> {
  const row = await records.selectRecord(db, log, project, key, revision);
  return row ? toRecord(row) : createSqlArchive(db).get(project, key, revision);
}

/**
 * Reads the live configs (one key, or a prefix) of a project as of `revision`, in key order:
 * per key the newest record at or below it, unless that is a deletion. Run it in one
 * repeatable-read transaction.
 */
export async function stateAt(
  db: Queryable,
  project: string,
  match: KeyMatch,
  revision: bigint,
): Promise<RevisionRecord[]> {
  const recent = await records.selectLatestRecordsAt(db, log, project, match, revision);
  const archived = await createSqlArchive(db).latestAt(project, match, revision);
  return latestPerKey(
    recent.map((r) => ({ record: toRecord(r) })),
    archived.map((record) => ({ record })),
  )
    .map((l) => l.record)
    .filter((r) => !r.deleted);
}

/** Fills in who created each key and when, from the record at its create revision. */
export async function withCreators(db: Queryable, kvs: KeyValue[]): Promise<KeyValue[]> {
  const wanted = [...new Set(kvs.map((kv) => kv.createRevision))];
  const created = new Map<bigint, RevisionRecord>();
  for (const row of await records.selectRecordsByRevision(db, log, wanted)) {
    created.set(BigInt(row.revision), toRecord(row));
  }
  const missing = wanted.filter((r) => !created.has(r));
  for (const r of await createSqlArchive(db).getMany(missing)) created.set(r.revision, r);
  return kvs.map((kv) => {
    const c = created.get(kv.createRevision);
    return c ? { ...kv, createdBy: c.meta.author, createTime: c.meta.time } : kv;
  });
}
