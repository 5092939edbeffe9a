import { randomUUID } from "node:crypto";
import { startTcpProxy, useTestDatabase, waitFor } from "@guardian/testkit";
import { describe, expect, it, vi } from "vitest";
import { createSqlArchive } from "../archive/sql-archive.js";
import type { EtcdStoreEngine } from "../engine/etcd/engine.js";
import { prefixEnd } from "../engine/etcd/keys.js";
import type { WriteInput } from "../engine/types.js";
import { useHarness } from "../testing/harness.js";
import { listAllRevisions } from "../testing/history.js";
import { putJson, testMeta } from "../testing/writes.js";
import {
  newArchiveElection,
  scheduleArchive,
  type ArchiveElection,
} from "../testing/archive-scheduler.js";
import type { ArchiveJobOptions } from "./archive-job.js";

const h = useHarness();
const db = useTestDatabase();

function open(
  namespace: string,
  extra: { retainPerConfig?: number; archive?: boolean; endpoints?: string[] } = {},
): Promise<EtcdStoreEngine> {
  return h.open({
    endpoints: extra.endpoints,
    namespace,
    retainPerConfig: extra.retainPerConfig ?? 2,
    archive: extra.archive ? createSqlArchive(db.pool()) : undefined,
  });
}

function archive(
  engine: EtcdStoreEngine,
  election: ArchiveElection = newArchiveElection(),
  job: Partial<ArchiveJobOptions> = {},
  endpoints?: string[],
) {
  return scheduleArchive(h, db.pool(), engine, election, {
    job,
    ...(endpoints ? { endpoints } : {}),
  });
}

function put(project: string, key: string, n: number): WriteInput {
  return putJson(
    project,
    key,
    { n },
    {
      meta: testMeta({
        author: `author-${n}`,
        message: `write ${n}`,
        requestId: `req-${n}`,
        labels: { n: String(n) },
      }),
    },
  );
}

async function archivedRows(project: string) {
  const r = await db
    .pool()
    .query<{ revision: string; key: string; author: string; deleted: boolean; value: Buffer }>(
      "SELECT revision, key, author, deleted, value FROM revision_archive WHERE project = $1 ORDER BY revision",
      [project],
    );
  return r.rows;
}

async function waitArchived(engine: EtcdStoreEngine, revision: bigint) {
  await waitFor(
    async () => ((await engine.compactionInfo()).archivedRevision >= revision ? true : undefined),
    { what: `revision ${revision} to be archived`, timeoutMs: 20_000, intervalMs: 25 },
  );
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("the archive job, run by the store's scheduler", () => {
  it("copies every revision record into the archive once, keeping rows copied by an earlier run", async () => {
    const engine = await open(h.namespace());
    const p = `p-${randomUUID().slice(0, 8)}`;
    const revisions: bigint[] = [];
    for (let i = 0; i < 17; i++)
      revisions.push((await engine.write(put(p, `k${i % 4}`, i))).revision);
    const del = await engine.write({
      project: p,
      key: "k1",
      op: "delete",
      meta: { ...put(p, "k1", 99).meta, changeKind: "delete" },
    });
    revisions.push(del.revision);
    // An earlier run copied the first records but crashed before marking them archived.
    const early = await engine.listChanges(0n, 4);
    expect(await createSqlArchive(db.pool()).insert(early)).toBe(4);

    const election = newArchiveElection();
    archive(engine, election);
    await waitArchived(engine, del.revision);
    // Each run is recorded, with the revision it archived up to.
    const archived = await waitFor(
      async () => {
        const r = await db
          .pool()
          .query<{ last_status: string; last_summary: { archivedRevision: string } }>(
            "SELECT last_status, last_summary FROM scheduled_jobs WHERE name = $1",
            [election.jobName],
          );
        const summary = r.rows[0]?.last_summary;
        return summary && BigInt(summary.archivedRevision) >= del.revision ? r.rows[0] : undefined;
      },
      { what: "a run recorded up to the last revision", timeoutMs: 20_000, intervalMs: 25 },
    );
    expect(archived.last_status).toBe("ok");

    const rows = await archivedRows(p);
    expect(rows.map((r) => BigInt(r.revision))).toEqual(revisions);
    const last = rows[rows.length - 1]!;
    expect([last.key, last.deleted, last.value.length, last.author]).toEqual([
      "k1",
      true,
      0,
      "author-99",
    ]);
    expect(JSON.parse(rows[5]!.value.toString("utf8"))).toEqual({ n: 5 });
  });

  it("resumes from the archived revision after a crash between copying and marking, losing and duplicating nothing", async () => {
    const ns = h.namespace();
    const writer = await open(ns);
    const p = `p-${randomUUID().slice(0, 8)}`;
    const revisions: bigint[] = [];
    for (let i = 0; i < 24; i++) revisions.push((await writer.write(put(p, `k${i}`, i))).revision);
    const copiedByB: bigint[] = [];

    const crashed = deferred();
    const hang = deferred();
    const copiedByA: bigint[] = [];
    // A reaches etcd through a proxy, so cutting it stops A's lease renewals as a crash would.
    const proxy = await startTcpProxy(h.endpoints()[0]!);
    try {
      const engineA = await open(ns, { endpoints: [proxy.url] });
      const election = newArchiveElection();
      const archiverA = archive(
        engineA,
        election,
        {
          afterCopy: async (last) => {
            copiedByA.push(last);
            if (copiedByA.length === 3) {
              crashed.resolve();
              await hang.promise;
            }
          },
        },
        [proxy.url],
      );
      await crashed.promise;
      expect(archiverA.leading).toBe(true);
      proxy.cut();
      const markedByA = (await writer.compactionInfo()).archivedRevision;
      expect(markedByA).toBe(copiedByA[1]);

      archive(writer, election, { afterCopy: async (last) => void copiedByB.push(last) });
      await waitArchived(writer, revisions[revisions.length - 1]!);
    } finally {
      hang.resolve();
      await h.closeAll();
      await proxy.close();
    }

    // B started where A's marks ended: it copied A's unmarked batch again, harmlessly.
    expect(copiedByB[0]).toBe(copiedByA[2]);
    const rows = await archivedRows(p);
    expect(rows.map((r) => BigInt(r.revision))).toEqual(revisions);
  });

  it("serves history from etcd and the archive together after old records left etcd", async () => {
    const ns = h.namespace();
    const engine = await open(ns, { archive: true });
    const withoutArchive = await open(ns);
    const p = `p-${randomUUID().slice(0, 8)}`;
    const revs: bigint[] = [];
    for (let i = 0; i < 6; i++) revs.push((await engine.write(put(p, "h", i))).revision);
    archive(engine);
    await waitArchived(engine, revs[5]!);
    const records = engine.keyspace.recordsOf(p, "h");
    await waitFor(
      async () => {
        const res = await engine.client.kv.range({
          key: records,
          range_end: prefixEnd(records),
          count_only: true,
        });
        return res.count === "2" ? true : undefined;
      },
      { what: "old records to be trimmed from etcd", timeoutMs: 10_000, intervalMs: 25 },
    );

    const all = await listAllRevisions(engine, p, "h", 4);
    expect(all.map((r) => r.revision)).toEqual([...revs].reverse());
    const oldest = await engine.getRevision(p, "h", revs[0]!);
    expect(oldest && [oldest.meta.author, oldest.meta.labels]).toEqual(["author-0", { n: "0" }]);

    const inEtcdOnly = await withoutArchive.listRevisions(p, "h");
    expect(inEtcdOnly.records.map((r) => r.revision)).toEqual([revs[5], revs[4]]);
    expect(await withoutArchive.getRevision(p, "h", revs[0]!)).toBeUndefined();

    const info = await engine.compactionInfo();
    expect(info.compactRevision).toBeGreaterThanOrEqual(revs[3]!);
    expect(info.archivedRevision).toBeGreaterThanOrEqual(revs[5]!);
  });

  it("lets one replica archive at a time and hands over when the leader stops", async () => {
    const ns = h.namespace();
    const first = await open(ns);
    const second = await open(ns);
    const election = newArchiveElection();
    const a = archive(first, election);
    const b = archive(second, election);
    const leader = await waitFor(async () => (a.leading ? a : b.leading ? b : undefined), {
      what: "a scheduler to lead",
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    const follower = leader === a ? b : a;
    expect(follower.leading).toBe(false);
    await leader.stop();
    await waitFor(async () => (follower.leading ? true : undefined), {
      what: "the other scheduler to take over",
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    const p = `p-${randomUUID().slice(0, 8)}`;
    const w = await first.write(put(p, "after-handover", 1));
    await waitArchived(first, w.revision);
    expect((await archivedRows(p)).map((r) => BigInt(r.revision))).toEqual([w.revision]);
  });

  it("after its first run copies and trims the records its watch delivered, with no read of every record", async () => {
    const engine = await open(h.namespace());
    const p = `p-${randomUUID().slice(0, 8)}`;
    const revs: bigint[] = [];
    const write = async (i: number) =>
      revs.push((await engine.write(put(p, `k${i % 2}`, i))).revision);
    for (let i = 0; i < 6; i++) await write(i);
    const election = newArchiveElection();
    archive(engine, election);
    // The first run reads etcd (the watch's log starts with it); wait until it has ended.
    await waitFor(
      async () => {
        const r = await db
          .pool()
          .query<{ last_summary: { archivedRevision: string } | null }>(
            "SELECT last_summary FROM scheduled_jobs WHERE name = $1",
            [election.jobName],
          );
        const summary = r.rows[0]?.last_summary;
        return summary && BigInt(summary.archivedRevision) >= revs[5]! ? true : undefined;
      },
      { what: "the first run to end", timeoutMs: 20_000, intervalMs: 25 },
    );
    const kv = engine.client.kv;
    const range = kv.range.bind(kv);
    const scans: unknown[] = [];
    const spy = vi.spyOn(kv, "range").mockImplementation((req) => {
      if (req.min_mod_revision !== undefined) scans.push(req);
      return range(req);
    });
    try {
      for (let i = 6; i < 16; i++) await write(i);
      await waitArchived(engine, revs[15]!);
      const records = engine.keyspace.recordsOf(p, "k0");
      await waitFor(
        async () => {
          const res = await range({
            key: records,
            range_end: prefixEnd(records),
            count_only: true,
          });
          return res.count === "2" ? true : undefined;
        },
        { what: "k0's archived records to be trimmed", timeoutMs: 10_000, intervalMs: 25 },
      );
    } finally {
      spy.mockRestore();
    }
    expect(scans).toEqual([]);
    expect((await archivedRows(p)).map((r) => BigInt(r.revision))).toEqual(revs);
  });
});
