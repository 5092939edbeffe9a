import { describe, expect, it, vi } from "vitest";
import { useHarness } from "../../testing/harness.js";
import { putJson } from "../../testing/writes.js";
import { prefixEnd } from "./keys.js";
import { scanRecords } from "./scan.js";

const h = useHarness();

describe("scanning revision records in revision order", () => {
  it("reads one filtered page, then lists the keys once and reads the rest by key", async () => {
    const engine = await h.open({ retainPerConfig: 1_000 });
    const revs: bigint[] = [];
    for (let i = 0; i < 35; i++)
      revs.push((await engine.write(putJson("scan", `k${i % 3}`, i))).revision);
    const { client, keyspace: ks } = engine;
    const range = client.kv.range.bind(client.kv);
    const filtered: unknown[] = [];
    vi.spyOn(client.kv, "range").mockImplementation((req) => {
      if (req.min_mod_revision !== undefined) filtered.push(req);
      return range(req);
    });
    // A record deleted after the keys were listed is left out (retention would raise the
    // compact revision in the same transaction, which the scan's callers check).
    const gone = revs[25]!;
    const txn = client.kv.txn.bind(client.kv);
    vi.spyOn(client.kv, "txn").mockImplementationOnce(async (req) => {
      const records = ks.recordsOf("scan", `k${25 % 3}`);
      const all = await range({ key: records, range_end: prefixEnd(records) });
      const kv = all.kvs.find((k) => BigInt(k.mod_revision) === gone)!;
      await client.kv.deleteRange({ key: kv.key });
      return txn(req);
    });
    const batches: bigint[][] = [];
    for await (const batch of scanRecords(
      client,
      ks.recordPrefix("scan"),
      revs[2]!,
      revs[30]!,
      10,
    )) {
      batches.push(batch.map((w) => w.record.revision));
    }
    expect(batches.flat()).toEqual(revs.slice(3, 31).filter((r) => r !== gone));
    expect(batches.map((b) => b.length)).toEqual([10, 10, 7]);
    // Only the first page was a range filtered by revision.
    expect(filtered).toHaveLength(1);
    vi.restoreAllMocks();
  });

  it("answers a scan of at most one page with that one read", async () => {
    const engine = await h.open();
    const revs: bigint[] = [];
    for (let i = 0; i < 4; i++) revs.push((await engine.write(putJson("one", "k", i))).revision);
    const batches: bigint[][] = [];
    for await (const batch of scanRecords(
      engine.client,
      engine.keyspace.recordPrefix("one"),
      0n,
      undefined,
      10,
    )) {
      batches.push(batch.map((w) => w.record.revision));
    }
    expect(batches).toEqual([revs]);
  });
});
