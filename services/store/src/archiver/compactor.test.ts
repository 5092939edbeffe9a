import { createLogger } from "@guardian/kit";
import { useTestDatabase, waitFor } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import { createSqlArchive } from "../archive/sql-archive.js";
import type { EtcdStoreEngine } from "../engine/etcd/engine.js";
import { useHarness } from "../testing/harness.js";
import { listAllRevisions } from "../testing/history.js";
import { putJson, testMeta } from "../testing/writes.js";
import { newArchiveElection, scheduleArchive } from "../testing/archive-scheduler.js";
import { createCompactor } from "./compactor.js";

// A dedicated member: these tests compact etcd, which would disturb the shared cluster.
const h = useHarness({ etcd: "member" });
const db = useTestDatabase();
const logger = createLogger({ level: "silent" });

/** Waits until `cond` holds. */
async function until(what: string, cond: () => Promise<boolean>): Promise<void> {
  await waitFor(async () => ((await cond()) ? true : undefined), { what, timeoutMs: 20_000 });
}

async function open(): Promise<EtcdStoreEngine> {
  return h.open({
    namespace: h.namespace(),
    retainPerConfig: 2,
    archive: createSqlArchive(db.pool()),
  });
}

async function write(engine: EtcdStoreEngine, key: string, n: number): Promise<bigint> {
  const r = await engine.write(
    putJson("compact", key, { n }, { meta: testMeta({ author: `author-${n}` }) }),
  );
  return r.revision;
}

/** etcd's compact revision: the lowest revision a range can still read at. */
async function etcdCompactRevision(engine: EtcdStoreEngine): Promise<bigint> {
  let lo = 1n;
  let hi = BigInt((await engine.client.maintenance.status()).header.revision);
  while (lo < hi) {
    const mid = (lo + hi) / 2n;
    const ok = await engine.client.kv
      .range({ key: Buffer.from("x"), revision: mid.toString() })
      .then(
        () => true,
        () => false,
      );
    if (ok) hi = mid;
    else lo = mid + 1n;
  }
  return lo;
}

describe("etcd compaction behind the archiver", () => {
  it("compacts to the newest sample older than the retention, never above the archived revision", async () => {
    const engine = await open();
    let clock = 0;
    const compactor = createCompactor(
      engine,
      { retentionMs: 1_000, checkIntervalMs: 100, now: () => clock },
      logger,
    );
    const r1 = await write(engine, "a", 1);
    await until("the feed to reach r1", async () => (await engine.currentRevision()) >= r1);
    await compactor.check(r1); // sample r1 at t=0
    expect(compactor.compacted).toBe(0n);

    clock = 500;
    const r2 = await write(engine, "a", 2);
    await until("the feed to reach r2", async () => (await engine.currentRevision()) >= r2);
    await compactor.check(r2); // sample r2 at t=500; nothing is a second old yet
    expect(compactor.compacted).toBe(0n);

    clock = 1_200;
    await compactor.check(r1 - 1n); // r1's sample is due, but only r1 - 1 is archived
    expect(compactor.compacted).toBe(r1 - 1n);

    clock = 1_600;
    await compactor.check(r2); // r2's sample is due and archived
    expect(compactor.compacted).toBe(r2);
    expect(await etcdCompactRevision(engine)).toBe(r2);
  });

  it("keeps every revision listed after the archive job's leader compacted etcd", async () => {
    const engine = await open();
    let clock = 0;
    const archiver = scheduleArchive(h, db.pool(), engine, newArchiveElection(), {
      job: { compaction: { retentionMs: 1_000, checkIntervalMs: 10, now: () => clock } },
    });
    const revisions: bigint[] = [];
    for (let n = 1; n <= 6; n++) revisions.push(await write(engine, n % 2 ? "odd" : "even", n));
    const last = revisions[revisions.length - 1]!;
    await until(
      "the archive",
      async () => (await engine.compactionInfo()).archivedRevision >= last,
    );
    // The clock moves a second per poll: the samples the leader takes from now on hold `last`.
    await until("the compaction", async () => {
      clock += 1_000;
      return (await etcdCompactRevision(engine)) >= last;
    });
    expect(archiver.leading).toBe(true);

    // Every revision is still listed, from the records and the archive.
    const listed = await listAllRevisions(engine, "compact", "odd", 2);
    expect(listed.map((r) => r.revision)).toEqual(
      revisions.filter((_, i) => (i + 1) % 2 === 1).reverse(),
    );
    const after = await write(engine, "odd", 7);
    expect(after).toBeGreaterThan(last);
  });
});
