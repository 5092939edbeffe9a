import { SortOrder, SortTarget, type Etcd3 } from "etcd3";
import { call } from "./calls.js";
import { decodeWrite, type StoredWrite } from "./envelope.js";
import { keyAfter, prefixEnd } from "./keys.js";

const pageSize = 500;

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
 * in pages. etcd filters by mod_revision after reading the range, so each page costs a scan of
 * the prefix; the records under it are bounded by the retention.
 */
export async function* scanRecords(
  client: Etcd3,
  prefix: Buffer,
  after: bigint,
  upTo?: bigint,
  limit = pageSize,
): AsyncGenerator<StoredWrite[]> {
  let from = after;
  for (;;) {
    const res = await call("read revision records", () =>
      client.kv.range({
        key: prefix,
        range_end: prefixEnd(prefix),
        min_mod_revision: (from + 1n).toString(),
        max_mod_revision: upTo?.toString(),
        sort_target: SortTarget.Mod,
        sort_order: SortOrder.Ascend,
        limit,
      }),
    );
    const batch = res.kvs.map(decodeWrite);
    if (batch.length > 0) yield batch;
    const last = batch[batch.length - 1];
    if (!res.more || !last) return;
    from = last.record.revision;
  }
}
