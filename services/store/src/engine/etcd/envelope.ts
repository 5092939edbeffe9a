import type { IKeyValue } from "etcd3";
import { recordToKeyValue } from "../records.js";
import type { KeyValue, RevisionMeta, RevisionRecord } from "../types.js";

/**
 * One write as the etcd engine stores it, in the value key and in the revision record alike:
 * the revision record plus who created the key and when (so a value read needs no second
 * lookup), and the id of the write attempt.
 */
export interface StoredWrite {
  record: RevisionRecord;
  createdBy: string;
  createTime: Date;
  /** A random id per write call; lets the engine recognise its own commit after a retried RPC. */
  txn: string;
  /** How many writes the key has had, this one included (across deletions). */
  seq: number;
}

/** A write before commit: its revision is not known yet, and createRevision 0n means "this write". */
export type PendingWrite = Omit<StoredWrite, "record"> & {
  record: Omit<RevisionRecord, "revision">;
};

interface Header {
  project: string;
  key: string;
  deleted: boolean;
  previousRevision: string;
  createRevision: string;
  createdBy: string;
  createTime: number;
  txn: string;
  seq: number;
  /** The revision metadata, with its bigint and date in JSON-safe form. */
  meta: Omit<RevisionMeta, "rolledBackFrom" | "time"> & { rolledBackFrom: string; time: number };
}

const formatVersion = 1;

/**
 * Encodes a write as [format byte][u32 header length][JSON header][value bytes]. The value is
 * kept as raw bytes so a document costs no base64 overhead.
 */
export function encodeWrite(w: PendingWrite): Buffer {
  const { record: r } = w;
  const header: Header = {
    project: r.project,
    key: r.key,
    deleted: r.deleted,
    previousRevision: r.previousRevision.toString(),
    createRevision: r.createRevision.toString(),
    createdBy: w.createdBy,
    createTime: w.createTime.getTime(),
    txn: w.txn,
    seq: w.seq,
    meta: {
      ...r.meta,
      rolledBackFrom: r.meta.rolledBackFrom.toString(),
      time: r.meta.time.getTime(),
    },
  };
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const prefix = Buffer.alloc(5);
  prefix.writeUInt8(formatVersion, 0);
  prefix.writeUInt32BE(json.length, 1);
  return Buffer.concat([prefix, json, r.value]);
}

/** Decodes a value key or revision record; its revision is the etcd mod_revision. */
export function decodeWrite(kv: Pick<IKeyValue, "value" | "mod_revision">): StoredWrite {
  const buf = kv.value;
  if (buf.length < 5 || buf.readUInt8(0) !== formatVersion) {
    throw new Error(`unknown store envelope format at revision ${kv.mod_revision}`);
  }
  const length = buf.readUInt32BE(1);
  const h = JSON.parse(buf.subarray(5, 5 + length).toString("utf8")) as Header;
  const revision = BigInt(kv.mod_revision);
  const createRevision = BigInt(h.createRevision);
  return {
    record: {
      project: h.project,
      key: h.key,
      revision,
      createRevision: createRevision === 0n ? revision : createRevision,
      previousRevision: BigInt(h.previousRevision),
      value: new Uint8Array(buf.subarray(5 + length)),
      deleted: h.deleted,
      meta: {
        ...h.meta,
        rolledBackFrom: BigInt(h.meta.rolledBackFrom),
        time: new Date(h.meta.time),
      },
      creator: { author: h.createdBy, time: new Date(h.createTime) },
    },
    createdBy: h.createdBy,
    createTime: new Date(h.createTime),
    txn: h.txn,
    seq: h.seq,
  };
}

/** Converts a stored (live) write into the key-value it produced. */
export function writeToKeyValue(w: StoredWrite, keysOnly = false): KeyValue {
  const kv = { ...recordToKeyValue(w.record), createdBy: w.createdBy, createTime: w.createTime };
  return keysOnly ? { ...kv, value: new Uint8Array() } : kv;
}
