import { BackupError, type EtcdEntry } from "./format.js";
import { prefixEnd, storeParts, type EtcdClient } from "./etcd-export.js";

/** One operation of an etcd transaction. */
type TxnOp = NonNullable<Parameters<EtcdClient["kv"]["txn"]>[0]["success"]>[number];

/**
 * How long restored idempotency records live: the engine's 24 hours plus its hour of slack.
 * A record restored with a whole new lifetime only answers a retried write for longer.
 */
const idempotencyLeaseSeconds = 25 * 60 * 60;

/** Puts that advance etcd's revision run this many at a time. */
const fillConcurrency = 128;

/** What the target etcd holds: keys in the store namespace, and its revision. */
export async function etcdTarget(
  client: EtcdClient,
  ns: string,
): Promise<{ keys: number; revision: bigint }> {
  let keys = 0;
  let revision = 0n;
  for (const prefix of storeParts(ns)) {
    const res = await client.kv.range({
      key: Buffer.from(prefix),
      range_end: prefixEnd(prefix),
      count_only: true,
    });
    keys += Number(res.count);
    revision = BigInt(res.header.revision);
  }
  return { keys, revision };
}

/** Where the restore parks the puts that only advance the revision; deleted at the end. */
const fillerKey = (ns: string) => Buffer.from(`${ns}restore-filler`);

/** The lowest revision a restore of `entries` writes at (the first revision it needs free). */
export function firstRevision(entries: EtcdEntry[], ns: string, target: bigint): bigint {
  const meta = `${ns}meta/`;
  let first = target;
  for (const e of entries) {
    if (!e.key.toString("utf8").startsWith(meta) && e.modRevision < first) first = e.modRevision;
  }
  return first;
}

/**
 * Writes the keys back at their own revisions: the store's versions and revisions ARE etcd
 * revisions, so each key written together at revision R in the source is written together
 * again in one transaction that etcd gives revision R. Puts of one filler key advance the
 * revision across the gaps (revisions other keys used). The retention and archiver progress
 * and the filler's deletion make the last transaction, at `target`. Finally etcd is compacted
 * at `target`, so no read sees the partial history below it: the store rebuilds past states
 * from the revision records and the archive instead.
 */
export async function importEtcd(
  client: EtcdClient,
  ns: string,
  entries: EtcdEntry[],
  target: bigint,
): Promise<void> {
  const meta = `${ns}meta/`;
  const lease = entries.some((e) => e.leased)
    ? (await client.leaseClient.leaseGrant({ TTL: idempotencyLeaseSeconds })).ID
    : undefined;
  const groups = new Map<bigint, TxnOp[]>();
  const add = (revision: bigint, op: TxnOp) => {
    const ops = groups.get(revision) ?? [];
    ops.push(op);
    groups.set(revision, ops);
  };
  for (const e of entries) {
    const put = { key: e.key, value: e.value, lease: e.leased ? lease : undefined };
    add(e.key.toString("utf8").startsWith(meta) ? target : e.modRevision, { request_put: put });
  }
  add(target, { request_delete_range: { key: fillerKey(ns) } });

  let head = BigInt(
    (await client.kv.range({ key: fillerKey(ns), count_only: true })).header.revision,
  );
  for (const revision of [...groups.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    head = await fillTo(client, ns, head, revision - 1n);
    const res = await client.kv.txn({ success: groups.get(revision)! });
    head = BigInt(res.header.revision);
    if (head !== revision) throw moved(revision, head);
  }
  await client.kv.compact({ revision: target.toString(), physical: true });
}

/** Advances etcd's revision from `head` to exactly `to` with puts of the filler key. */
async function fillTo(client: EtcdClient, ns: string, head: bigint, to: bigint): Promise<bigint> {
  let reached = head;
  while (reached < to) {
    const n = Number(to - reached < BigInt(fillConcurrency) ? to - reached : fillConcurrency);
    const answers = await Promise.all(
      Array.from({ length: n }, () =>
        client.kv.put({ key: fillerKey(ns), value: Buffer.alloc(0) }),
      ),
    );
    const top = answers.reduce(
      (m, a) => (BigInt(a.header.revision) > m ? BigInt(a.header.revision) : m),
      0n,
    );
    if (top !== reached + BigInt(n)) throw moved(reached + BigInt(n), top);
    reached = top;
  }
  return reached;
}

function moved(expected: bigint, got: bigint): BackupError {
  return new BackupError(
    `etcd reached revision ${got} where the restore expected ${expected}: something else writes to this etcd cluster; stop it and restore again with --force into a fresh cluster`,
  );
}
