import { startTcpProxy, type TcpProxy, useTestDatabase } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import { createSqlArchive } from "../../archive/sql-archive.js";
import { useHarness } from "../../testing/harness.js";
import { putJson, readJson as read, testMeta } from "../../testing/writes.js";
import { StoreError } from "../errors.js";
import type { RevisionRecord, WatchItem, WriteInput } from "../types.js";
import type { EtcdStoreEngine } from "./engine.js";

// A dedicated member: these tests compact etcd, which would disturb the shared cluster.
const h = useHarness({ etcd: "member" });
const db = useTestDatabase();

async function proxy(): Promise<TcpProxy> {
  return h.track(await startTcpProxy(h.endpoints()[0]!));
}

function put(project: string, key: string, n: number): WriteInput {
  return putJson(project, key, n, { meta: testMeta({ author: `author-${n}` }) });
}

/** Reads events from a watch until `count` have arrived. */
async function nextEvents(
  stream: AsyncIterator<WatchItem>,
  count: number,
): Promise<RevisionRecord[]> {
  const got: RevisionRecord[] = [];
  while (got.length < count) {
    const r = await stream.next();
    if (r.done) throw new Error("the watch ended");
    if (r.value.kind === "compacted") throw new Error("the watch was compacted");
    if (r.value.kind === "events") got.push(...r.value.events);
  }
  return got;
}

async function compactEtcd(engine: EtcdStoreEngine, revision: bigint) {
  await engine.client.kv.compact({ revision: revision.toString(), physical: true });
}

describe("etcd engine across etcd compaction", () => {
  it("replays the revisions a partitioned instance missed while etcd compacted them", async () => {
    const namespace = h.namespace();
    const link = await proxy();
    const cached = await h.open({ namespace, endpoints: [link.url] });
    const writer = await h.open({ namespace });
    const w1 = await writer.write(put("part", "a", 1));
    const ac = new AbortController();
    const stream = cached.watch({ project: "part" }, w1.revision - 1n, ac.signal, 50);
    const it = stream[Symbol.asyncIterator]();
    expect((await nextEvents(it, 1)).map((e) => e.revision)).toEqual([w1.revision]);

    link.cut();
    const w2 = await writer.write(put("part", "a", 2));
    const w3 = await writer.write(put("part", "b", 3));
    await compactEtcd(writer, w3.revision);
    link.restore();

    const missed = await nextEvents(it, 2);
    expect(missed.map((e) => [e.key, e.revision])).toEqual([
      ["a", w2.revision],
      ["b", w3.revision],
    ]);
    const b = await cached.get("part", "b", { minRevision: w3.revision });
    expect(b.kv && read(b.kv.value)).toBe(3);
    expect((await cached.compactionInfo()).compactRevision).toBe(w3.revision - 1n);
    ac.abort();
    await it.return?.(undefined);
  });

  it("ends live watchers with compacted when records they missed were trimmed meanwhile", async () => {
    const namespace = h.namespace();
    const link = await proxy();
    const cached = await h.open({ namespace, endpoints: [link.url] });
    const writer = await h.open({ namespace, retainPerConfig: 1 });
    const ac = new AbortController();
    // The watcher is live (past its backlog, which its first item, a progress, ends) before
    // the first write, so that write reaches it through the live feed.
    const it = cached.watch({ project: "trim" }, "now", ac.signal, 50)[Symbol.asyncIterator]();
    expect((await it.next()).value).toMatchObject({ kind: "progress" });
    const w1 = await writer.write(put("trim", "a", 1));
    await nextEvents(it, 1);

    link.cut();
    await writer.write(put("trim", "a", 2));
    const w3 = await writer.write(put("trim", "a", 3));
    // As the archiver would after copying: the records beyond retention may now go.
    await writer.markArchived(w3.revision);
    await compactEtcd(writer, w3.revision);
    link.restore();

    let error: unknown;
    try {
      await nextEvents(it, 1);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).kind).toBe("compacted");
    const again = cached
      .watch({ project: "trim" }, w1.revision, ac.signal, 50)
      [Symbol.asyncIterator]();
    expect((await again.next()).value).toMatchObject({ kind: "compacted" });
    const a = await cached.get("trim", "a", { minRevision: w3.revision });
    expect(a.kv?.version).toBe(w3.revision);
    ac.abort();
  });

  it("serves past reads after etcd compaction from records, and from the archive once records are trimmed", async () => {
    const namespace = h.namespace();
    const withArchive = await h.open({
      namespace,
      retainPerConfig: 2,
      archive: createSqlArchive(db.pool()),
    });
    const plain = await h.open({ namespace, retainPerConfig: 2 });
    const p = "past";
    const x: bigint[] = [];
    x.push((await withArchive.write(put(p, "x", 0))).revision);
    x.push((await withArchive.write(put(p, "x", 1))).revision);
    const y = (await withArchive.write(put(p, "y", 100))).revision;
    for (let i = 2; i < 5; i++) x.push((await withArchive.write(put(p, "x", i))).revision);
    // What the archiver does: copy, then mark; x's three oldest records leave etcd.
    await createSqlArchive(db.pool()).insert(await withArchive.listChanges(0n, 100));
    await withArchive.markArchived(x[4]!);
    expect((await plain.listRevisions(p, "x")).records.map((r) => r.revision)).toEqual([
      x[4],
      x[3],
    ]);
    await compactEtcd(withArchive, x[4]!);

    const old = await withArchive.get(p, "x", { revision: x[1]! });
    expect(old.kv && [read(old.kv.value), old.kv.version, old.kv.createRevision]).toEqual([
      1,
      x[1],
      x[0],
    ]);
    expect(old.kv?.createdBy).toBe("author-0");
    const atY = await withArchive.range(p, "", { revision: y });
    expect(atY.kvs.map((kv) => [kv.key, read(kv.value)])).toEqual([
      ["x", 1],
      ["y", 100],
    ]);
    expect(atY.count).toBe(2n);
    expect((await withArchive.range(p, "", { revision: x[0]! })).kvs.map((kv) => kv.key)).toEqual([
      "x",
    ]);

    const gone = await plain.get(p, "x", { revision: x[1]! }).catch((err: unknown) => err);
    expect((gone as StoreError).kind).toBe("compacted");
    const retained = await plain.get(p, "x", { revision: x[3]! });
    expect(retained.kv && [read(retained.kv.value), retained.kv.createdBy]).toEqual([
      3,
      "author-0",
    ]);
  });
});
