import { SortOrder, SortTarget, type Etcd3 } from "etcd3";
import { call, maxTxnOps, rangeOp } from "./calls.js";
import { decodeWrite, type StoredWrite } from "./envelope.js";
import { keyAfter, prefixEnd } from "./keys.js";

const pageSize = 500;
/** Keys per page when listing a prefix's record keys. */
const keyPageSize = 1_000;

/**
 * Reads every key under `prefix` at one revision (the current one when absent), page by page,
 * and returns them decoded with the revision they reflect.
 */
export async function loadWrites(
  client: Etcd3,
  prefix: Buffer,
  at?: bigint,
): Promise<{ writes: StoredWrite[]; revision: bigint }> {
  const end = prefixEnd(prefix);
  const writes: StoredWrite[] = [];
  let from = prefix;
  let revision = at;
  for (;;) {
    const res = await call("read values", () =>
      client.kv.range({
        key: from,
        range_end: end,
        limit: pageSize,
        revision: revision?.toString(),
      }),
    );
    revision ??= BigInt(res.header.revision);
    for (const kv of res.kvs) writes.push(decodeWrite(kv));
    const last = res.kvs[res.kvs.length - 1];
    if (!res.more || !last) return { writes, revision };
    from = keyAfter(last.key);
  }
}

/**
 * Reads the revision records under `prefix` with after < revision <= upTo, in revision order,
 * in batches of `limit`. etcd filters a range by mod_revision only after reading every key in
 * it, so a read filtered by revision costs a read of the whole prefix whatever it returns. The
 * first batch is one such read; when there are more, the keys of the prefix are listed once
 * (pages by key, which etcd reads only as far as each page goes) and the records are read by
 * key: one pass over the prefix instead of one per batch.
 */
export async function* scanRecords(
  client: Etcd3,
  prefix: Buffer,
  after: bigint,
  upTo?: bigint,
  limit = pageSize,
): AsyncGenerator<StoredWrite[]> {
  const first = await call("read revision records", () =>
    client.kv.range({
      key: prefix,
      range_end: prefixEnd(prefix),
      min_mod_revision: (after + 1n).toString(),
      max_mod_revision: upTo?.toString(),
      sort_target: SortTarget.Mod,
      sort_order: SortOrder.Ascend,
      limit,
    }),
  );
  const batch = first.kvs.map(decodeWrite);
  if (batch.length > 0) yield batch;
  const last = batch[batch.length - 1];
  if (!first.more || !last) return;
  // Records written after the first read are not part of this scan.
  const keys = await listRecordKeys(
    client,
    prefix,
    last.record.revision,
    upTo ?? BigInt(first.header.revision),
  );
  for (let i = 0; i < keys.length; i += limit) {
    const writes = await readRecords(client, keys.slice(i, i + limit));
    if (writes.length > 0) yield writes;
  }
}

interface RecordKey {
  key: Buffer;
  revision: bigint;
}

/** The record keys under `prefix` with after < revision <= upTo, in revision order. */
async function listRecordKeys(
  client: Etcd3,
  prefix: Buffer,
  after: bigint,
  upTo: bigint,
): Promise<RecordKey[]> {
  const end = prefixEnd(prefix);
  const found: RecordKey[] = [];
  let from = prefix;
  for (;;) {
    const res = await call("list revision records", () =>
      client.kv.range({ key: from, range_end: end, keys_only: true, limit: keyPageSize }),
    );
    for (const kv of res.kvs) {
      const revision = BigInt(kv.mod_revision);
      if (revision > after && revision <= upTo) found.push({ key: kv.key, revision });
    }
    const last = res.kvs[res.kvs.length - 1];
    if (!res.more || !last) break;
    from = keyAfter(last.key);
  }
  return found.sort((a, b) => (a.revision < b.revision ? -1 : a.revision > b.revision ? 1 : 0));
}

/**
 * Reads records by key, in the order given. A record deleted since it was listed (retention
 * trims archived records) is left out: the compact revision, raised in the same transaction,
 * tells the caller.
 */
async function readRecords(client: Etcd3, keys: RecordKey[]): Promise<StoredWrite[]> {
  const writes: StoredWrite[] = [];
  for (let i = 0; i < keys.length; i += maxTxnOps) {
    const chunk = keys.slice(i, i + maxTxnOps);
    const res = await call("read revision records", () =>
      client.kv.txn({ success: chunk.map((k) => rangeOp({ key: k.key })) }),
    );
    for (const [j, r] of res.responses.entries()) {
      const kv = r.response_range.kvs[0];
      if (kv && BigInt(kv.mod_revision) === chunk[j]!.revision) writes.push(decodeWrite(kv));
    }
  }
  return writes;
}
