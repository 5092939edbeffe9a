import { useTestDatabase } from "@guardian/testkit";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { createSqlArchive } from "../archive/sql-archive.js";
import { StoreError } from "../engine/errors.js";
import type { RevisionRecord } from "../engine/types.js";
import { testMeta } from "../testing/writes.js";
import { createHistoryRetentionJob, type ProjectHistoryPolicy } from "./history-retention.js";

const db = useTestDatabase();
const dayMs = 86_400_000;
const now = new Date("2026-06-01T00:00:00Z");
const daysAgo = (d: number) => new Date(now.getTime() - d * dayMs);

let counter = 0;
const projectName = () => `hr-${process.pid}-${++counter}`;
let nextRevision = 1_000n * BigInt(process.pid % 1000);

/** Archives revisions of one config, one per age (days ago), oldest first; returns them. */
async function archive(project: string, key: string, ages: number[]): Promise<bigint[]> {
  const first = ++nextRevision;
  const records: RevisionRecord[] = ages.map((age, i) => ({
    project,
    key,
    revision: i === 0 ? first : ++nextRevision,
    createRevision: first,
    previousRevision: i === 0 ? 0n : nextRevision - 1n,
    value: new TextEncoder().encode(String(i)),
    deleted: false,
    meta: { ...testMeta({ changeKind: i === 0 ? "create" : "update" }), time: daysAgo(age) },
  }));
  await createSqlArchive(db.pool()).insert(records);
  return records.map((r) => r.revision);
}

async function remaining(project: string, key: string): Promise<bigint[]> {
  const rs = await createSqlArchive(db.pool()).history(project, key, { limit: 1000 });
  return rs.map((r) => r.revision).reverse();
}

function job(
  policies: ProjectHistoryPolicy[],
  opts: {
    pool?: pg.Pool;
    batchSize?: number;
    compactRevision?: bigint;
    retainedPerConfig?: number;
  } = {},
) {
  return createHistoryRetentionJob({
    pool: opts.pool ?? db.pool(),
    policies: async () => policies,
    storeRetention: async () => ({
      compactRevision: opts.compactRevision ?? nextRevision,
      retainedPerConfig: opts.retainedPerConfig ?? 1,
    }),
    now: () => now,
    ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
  });
}

const run = (j: ReturnType<typeof job>, signal = new AbortController().signal) => j.run({ signal });

describe("history retention job", () => {
  it("deletes archived revisions older than the policy beyond the newest kept per config", async () => {
    const p = projectName();
    const other = projectName();
    // Revisions of k: 100, 90, 80, 31, 29 and 1 day old.
    const k = await archive(p, "k", [100, 90, 80, 31, 29, 1]);
    const single = await archive(p, "single", [400]);
    const pair = await archive(p, "pair", [400, 300]);
    const untouched = await archive(other, "k", [400, 300, 200]);
    const j = job([{ project: p, maxAgeDays: 30, minRevisionsPerConfig: 2 }]);

    expect(await run(j)).toEqual({ deleted: 3, projects: 1 });
    // The creation record stays, the 31-day-old one goes, the 29-day-old one and the newest
    // two stay; a config's only (newest) revision stays whatever its age.
    expect(await remaining(p, "k")).toEqual([k[0], k[4], k[5]]);
    expect(await remaining(p, "single")).toEqual(single);
    expect(await remaining(p, "pair")).toEqual(pair);
    expect(await remaining(other, "k")).toEqual(untouched);

    expect(await run(j)).toEqual({ deleted: 0, projects: 1 });
    expect(await remaining(p, "k")).toEqual([k[0], k[4], k[5]]);
  });

  it("keeps at least the newest revision when no count is set, and nothing without days", async () => {
    const p = projectName();
    const k = await archive(p, "k", [50, 40, 35]);
    expect(await run(job([{ project: p, maxAgeDays: 0, minRevisionsPerConfig: 0 }]))).toEqual({
      deleted: 0,
      projects: 0,
    });
    expect(await run(job([{ project: p, maxAgeDays: 30, minRevisionsPerConfig: 0 }]))).toEqual({
      deleted: 1,
      projects: 1,
    });
    expect(await remaining(p, "k")).toEqual([k[0], k[2]]);
  });

  it("never deletes revisions above the store's compact revision", async () => {
    const p = projectName();
    const k = await archive(p, "k", [100, 90, 80, 70]);
    const j = job([{ project: p, maxAgeDays: 30, minRevisionsPerConfig: 1 }], {
      compactRevision: k[1]!,
    });
    expect(await run(j)).toEqual({ deleted: 1, projects: 1 });
    expect(await remaining(p, "k")).toEqual([k[0], k[2], k[3]]);
  });

  it("keeps the revisions the store's own retention still holds, in etcd or in its change log", async () => {
    const p = projectName();
    const k = await archive(p, "k", [100, 90, 80, 70, 60]);
    const policy = [{ project: p, maxAgeDays: 30, minRevisionsPerConfig: 1 }];
    // etcd holds the newest 3 revisions of each config (copies of them are archived too).
    expect(await run(job(policy, { retainedPerConfig: 3 }))).toMatchObject({ deleted: 1 });
    expect(await remaining(p, "k")).toEqual([k[0], k[2], k[3], k[4]]);
    // The SQL engine's change log holds newer revisions of the config: they count.
    const q = projectName();
    const m = await archive(q, "m", [100, 90, 80]);
    await db.pool().query(
      `INSERT INTO store_log SELECT revision + 100000, project, key, create_revision,
              previous_revision, change_type, value, deleted, author, message, request_id,
              schema_name, schema_version, validated_schema_version, rolled_back_from, labels,
              created_at
         FROM revision_archive WHERE project = $1 AND revision = $2`,
      [q, m[2]!.toString()],
    );
    expect(
      await run(job([{ project: q, maxAgeDays: 30, minRevisionsPerConfig: 2 }])),
    ).toMatchObject({ deleted: 1 });
    expect(await remaining(q, "m")).toEqual([m[0], m[2]]);
  });

  it("refuses past-state reads below what it deleted instead of missing configs", async () => {
    const p = projectName();
    const k = await archive(p, "k", [100, 90, 80, 1]);
    await run(job([{ project: p, maxAgeDays: 30, minRevisionsPerConfig: 1 }]));
    const archived = createSqlArchive(db.pool());
    // k[2] was deleted; the state at any revision below k[3] would miss k.
    const err = await archived.latestAt(p, { key: "k" }, k[2]!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).kind).toBe("compacted");
    expect((err as StoreError).message).toContain("no longer retained");
    const at = await archived.latestAt(p, { key: "k" }, k[3]!);
    expect(at.map((r) => r.revision)).toEqual([k[3]]);
  });

  it("stops between batches when its signal aborts, and finishes on the next run", async () => {
    const p = projectName();
    await archive(p, "k", [100, 99, 98, 97, 96, 1]);
    const ac = new AbortController();
    let checkouts = 0;
    const real = db.pool();
    // Aborts while the second batch runs: that batch completes, the third never starts.
    const pool = {
      connect: async () => {
        if (++checkouts === 2) ac.abort();
        return real.connect();
      },
    } as unknown as pg.Pool;
    const policies = [{ project: p, maxAgeDays: 30, minRevisionsPerConfig: 1 }];
    expect(await run(job(policies, { pool, batchSize: 1 }), ac.signal)).toEqual({
      deleted: 2,
      projects: 1,
      aborted: true,
    });
    expect(await run(job(policies, { batchSize: 1 }))).toEqual({ deleted: 2, projects: 1 });
    expect((await remaining(p, "k")).length).toBe(2);
  });
});
