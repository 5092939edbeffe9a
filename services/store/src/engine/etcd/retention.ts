import type { Etcd3, IKeyValue, IRangeResponse, IRequestOp } from "etcd3";
import { checkNotAhead } from "../revision-rules.js";
import { absent, call, deleteOp, maxTxnOps, modIs, putOp, rangeOp } from "./calls.js";
import { prefixEnd, type Keyspace } from "./keys.js";

/** A config key whose records may have left its retention. */
export interface RetainedKey {
  project: string;
  key: string;
}

/** One string per project and key (project names cannot hold a NUL), for sets and maps. */
export const retainedKeyId = (k: RetainedKey): string => `${k.project}\0${k.key}`;

/**
 * Retention state of a namespace, from `<ns>meta/compact` and `<ns>meta/archived`.
 *
 * - compact: the highest revision whose record has left the newest N of its key. Such a
 *   record may be deleted at any time once archived, so a watch cannot replay it.
 * - horizon: the highest revision at which some key's state is an out-of-retention record
 *   (the oldest retained record of that key minus one). Past states above it can be rebuilt
 *   from the records alone.
 * - archived: every record at or below it is in the PostgreSQL archive.
 */
export interface RetentionMeta {
  compact: bigint;
  horizon: bigint;
  archived: bigint;
  /** mod_revision of the two meta keys, for compare-and-set (0: absent). */
  retentionMod: bigint;
  archivedMod: bigint;
  /** The etcd revision of the read. */
  revision: bigint;
}

/** Reads the retention state with a quorum read. */
export async function readMeta(client: Etcd3, ks: Keyspace): Promise<RetentionMeta> {
  const res = await call("read the retention state", () =>
    client.kv.range({ key: ks.metaPrefix, range_end: prefixEnd(ks.metaPrefix) }),
  );
  return parseMeta(ks, res);
}

function parseMeta(ks: Keyspace, res: IRangeResponse): RetentionMeta {
  const meta: RetentionMeta = {
    compact: 0n,
    horizon: 0n,
    archived: 0n,
    retentionMod: 0n,
    archivedMod: 0n,
    revision: BigInt(res.header.revision),
  };
  for (const kv of res.kvs) {
    if (kv.key.equals(ks.compactKey)) {
      const v = JSON.parse(kv.value.toString("utf8")) as { compact: string; horizon: string };
      meta.compact = BigInt(v.compact);
      meta.horizon = BigInt(v.horizon);
      meta.retentionMod = BigInt(kv.mod_revision);
    } else if (kv.key.equals(ks.archivedKey)) {
      meta.archived = BigInt(kv.value.toString("utf8"));
      meta.archivedMod = BigInt(kv.mod_revision);
    }
  }
  return meta;
}

/** Keeps the per-key retention of a namespace: raises compact/horizon, deletes archived records. */
export interface Retention {
  /**
   * Applies retention to some keys after their writes (at most {@link maxRetainKeys}): records
   * beyond each key's newest `retain` raise compact and horizon, and those already archived
   * are deleted. One read covers every key, and one compare-and-set raises compact for all.
   */
  retainKeys(keys: RetainedKey[]): Promise<void>;
  /** Raises the archived revision (never lowers it) and trims what became deletable. */
  markArchived(revision: bigint): Promise<bigint>;
}

/** The most keys one retention pass covers (one range operation each in one transaction). */
export const maxRetainKeys = 64;

/** How many of a key's oldest records a pass reads first. */
const firstRead = 16;

/**
 * Creates the retention keeper of a namespace that keeps `retain` records per key.
 * `recentKeys` names the keys with a record in a range of revisions when it can (the feed's
 * recent records), sparing a read of every record in the namespace.
 */
export function createRetention(
  client: Etcd3,
  ks: Keyspace,
  retain: number,
  recentKeys: (after: bigint, upTo: bigint) => RetainedKey[] | undefined = () => undefined,
): Retention {
  const metaOp = rangeOp({ key: ks.metaPrefix, range_end: prefixEnd(ks.metaPrefix) });

  const oldest = (records: Buffer, limit: number) => ({
    key: records,
    range_end: prefixEnd(records),
    keys_only: true,
    limit,
  });

  /** Finds one key's records out of retention, given a first read of its oldest records. */
  async function outOfRetention(
    records: Buffer,
    first: IRangeResponse,
  ): Promise<{ out: IKeyValue[]; oldestKept: IKeyValue } | undefined> {
    let outCount = Number(first.count) - retain;
    let kvs: IKeyValue[] = first.kvs;
    let count = Number(first.count);
    while (outCount > 0 && kvs.length < outCount + 1 && kvs.length < count) {
      // Many records are out of retention (the archiver is behind): read enough of them. The
      // count must come from the same read as the records it is applied to.
      const more = await call("read the config's records", () =>
        client.kv.range(oldest(records, outCount + 1)),
      );
      count = Number(more.count);
      outCount = count - retain;
      kvs = more.kvs;
    }
    // Slots grow with revisions, so key order is revision order: oldest first.
    const oldestKept = outCount > 0 ? kvs[outCount] : undefined;
    return oldestKept && { out: kvs.slice(0, outCount), oldestKept };
  }

  async function retainKeys(keys: RetainedKey[]): Promise<void> {
    const distinct = [...new Map(keys.map((k) => [retainedKeyId(k), k])).values()];
    if (distinct.length === 0) return;
    if (distinct.length > maxRetainKeys) throw new Error("too many keys for one retention pass");
    const prefixes = distinct.map((k) => ks.recordsOf(k.project, k.key));
    // etcd reads every record a range returns, keys only or not: a pass each second finds a
    // few records per key out of retention, and reads on when a key has more.
    const res = await call("read the configs' records", () =>
      client.kv.txn({ success: [metaOp, ...prefixes.map((p) => rangeOp(oldest(p, firstRead)))] }),
    );
    const [metaRes, ...recs] = res.responses.map((r) => r.response_range);
    const meta = parseMeta(ks, { ...metaRes!, header: res.header });
    const want = { compact: 0n, horizon: 0n, deletable: [] as Buffer[] };
    for (const [i, prefix] of prefixes.entries()) {
      const found = await outOfRetention(prefix, recs[i]!);
      if (!found) continue;
      const top = BigInt(found.out[found.out.length - 1]!.mod_revision);
      if (top > want.compact) want.compact = top;
      const horizon = BigInt(found.oldestKept.mod_revision) - 1n;
      if (horizon > want.horizon) want.horizon = horizon;
      for (const kv of found.out) {
        if (BigInt(kv.mod_revision) <= meta.archived) want.deletable.push(kv.key);
      }
    }
    if (want.compact > 0n) await apply(meta, want);
  }

  /**
   * Runs `success` if the meta key `key` is still at `mod` (0n: absent). Returns undefined when
   * it ran, or the fresh retention state when the key had moved.
   */
  async function putIfUnchanged(
    what: string,
    key: Buffer,
    mod: bigint,
    success: IRequestOp[],
  ): Promise<RetentionMeta | undefined> {
    const res = await call(what, () =>
      client.kv.txn({
        compare: [mod > 0n ? modIs(key, mod) : absent(key)],
        success,
        failure: [metaOp],
      }),
    );
    if (res.succeeded) return undefined;
    return parseMeta(ks, { ...res.responses[0]!.response_range, header: res.header });
  }

  async function apply(
    meta: RetentionMeta,
    want: { compact: bigint; horizon: bigint; deletable: Buffer[] },
  ): Promise<void> {
    const deletes = want.deletable.map(deleteOp);
    // etcd limits the operations of one transaction (--max-txn-ops, default 128).
    const first = deletes.splice(0, maxTxnOps);
    const trimRest = async () => {
      for (let i = 0; i < deletes.length; i += maxTxnOps) {
        const chunk = deletes.slice(i, i + maxTxnOps);
        await call("trim revision records", () => client.kv.txn({ success: chunk }));
      }
    };
    for (;;) {
      const compact = want.compact > meta.compact ? want.compact : meta.compact;
      const horizon = want.horizon > meta.horizon ? want.horizon : meta.horizon;
      if (compact === meta.compact && horizon === meta.horizon) {
        // compact already covers these records and never moves back: no compare needed.
        if (first.length > 0) {
          await call("trim revision records", () => client.kv.txn({ success: first }));
        }
        return trimRest();
      }
      const value = JSON.stringify({ compact: compact.toString(), horizon: horizon.toString() });
      // compact is raised in the same transaction that deletes, so it always covers them.
      const moved = await putIfUnchanged(
        "raise the compact revision",
        ks.compactKey,
        meta.retentionMod,
        [putOp(ks.compactKey, Buffer.from(value)), ...first],
      );
      // The rest is covered by the compact revision just raised.
      if (!moved) return trimRest();
      meta = moved;
    }
  }

  async function markArchived(revision: bigint): Promise<bigint> {
    let meta = await readMeta(client, ks);
    checkNotAhead(revision, meta.revision);
    const before = meta.archived;
    while (revision > meta.archived) {
      const moved = await putIfUnchanged(
        "record archiver progress",
        ks.archivedKey,
        meta.archivedMod,
        [putOp(ks.archivedKey, Buffer.from(revision.toString()))],
      );
      if (!moved) {
        meta = { ...meta, archived: revision };
        break;
      }
      meta = moved;
    }
    if (meta.archived > before) await trimArchived(before, meta.archived);
    return meta.archived;
  }

  /** Applies retention to every key with a record in (after, upTo], newly archived. */
  async function trimArchived(after: bigint, upTo: bigint): Promise<void> {
    const all = recentKeys(after, upTo) ?? (await keysWithRecords(after, upTo));
    for (let i = 0; i < all.length; i += maxRetainKeys) {
      await retainKeys(all.slice(i, i + maxRetainKeys));
    }
  }

  /** The keys with a record in (after, upTo], from a read of every record in the namespace. */
  async function keysWithRecords(after: bigint, upTo: bigint): Promise<RetainedKey[]> {
    const res = await call("find newly archived records", () =>
      client.kv.range({
        key: ks.recordPrefix(),
        range_end: prefixEnd(ks.recordPrefix()),
        keys_only: true,
        min_mod_revision: (after + 1n).toString(),
        max_mod_revision: upTo.toString(),
      }),
    );
    const keys = new Map<string, RetainedKey>();
    for (const kv of res.kvs) {
      const k = ks.parseRecord(kv.key);
      keys.set(retainedKeyId(k), k);
    }
    return [...keys.values()];
  }

  return { retainKeys, markArchived };
}
