import { Code } from "@connectrpc/connect";
import { selectHistoryRetentionPolicies } from "@guardian/authz";
import { createHistoryRetentionJob } from "@guardian/store-service";
import { failureOf } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import { as, useHarness } from "../testing/harness.js";
import { json, newProject, plain, user } from "../testing/fixtures.js";

const h = useHarness();
const day = 86_400_000;

/** The history retention job over the harness, its clock `days` ahead. */
const retention = (days: number) =>
  createHistoryRetentionJob({
    pool: h.pool,
    policies: () => selectHistoryRetentionPolicies(h.pool),
    storeRetention: () => h.engine.compactionInfo(),
    now: () => new Date(Date.now() + days * day),
  });
const run = async (days: number) =>
  (await retention(days).run({ signal: new AbortController().signal })) as { deleted: number };

describe("project history retention", () => {
  it("is unset by default, set and returned through Create and UpdateProject, and audited", async () => {
    const p = await newProject(h);
    const created = await h.config.getProject({ project: p });
    expect(created.project?.historyRetention).toMatchObject({
      maxAgeDays: 0,
      minRevisionsPerConfig: 0,
    });
    const updated = await h.config.updateProject(
      {
        project: p,
        historyRetention: { maxAgeDays: 30, minRevisionsPerConfig: 10 },
        updateMask: { paths: ["history_retention"] },
      },
      as(user("ada")),
    );
    expect(updated.project?.historyRetention).toMatchObject({
      maxAgeDays: 30,
      minRevisionsPerConfig: 10,
    });
    expect(updated.project?.version).toBe((created.project?.version ?? 0n) + 1n);
    const labelsOnly = await h.config.updateProject({
      project: p,
      labels: { team: "a" },
      updateMask: { paths: ["labels"] },
    });
    expect(labelsOnly.project?.historyRetention?.maxAgeDays).toBe(30);
    const audit = await h.pool.query<{ detail: Record<string, unknown> }>(
      `SELECT detail FROM audit_log WHERE project = $1 AND result = 'ok'
          AND action = 'guardian.config.v1.ConfigService/UpdateProject' ORDER BY id`,
      [p],
    );
    expect(audit.rows.map((r) => r.detail["history_retention"])).toEqual([
      { max_age_days: 30, min_revisions_per_config: 10 },
      undefined,
    ]);
    const policies = await selectHistoryRetentionPolicies(h.pool);
    expect(policies).toContainEqual({ project: p, maxAgeDays: 30, minRevisionsPerConfig: 10 });

    const q = `${p}-created`;
    const withPolicy = await h.config.createProject({
      project: q,
      historyRetention: { maxAgeDays: 7, minRevisionsPerConfig: 0 },
    });
    expect(withPolicy.project?.historyRetention?.maxAgeDays).toBe(7);
  });

  it("refuses out-of-range policies naming the field", async () => {
    const p = await newProject(h);
    const err = await failureOf(
      h.config.updateProject({
        project: p,
        historyRetention: { maxAgeDays: 36_501, minRevisionsPerConfig: 1_000_001 },
        updateMask: { paths: ["history_retention"] },
      }),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toContain("history_retention.max_age_days");
    expect(err.rawMessage).toContain("history_retention.min_revisions_per_config");
    const created = await failureOf(
      h.config.createProject({ project: `${p}-x`, historyRetention: { maxAgeDays: 40_000 } }),
    );
    expect(created.code).toBe(Code.InvalidArgument);
    expect(created.rawMessage).toContain("history_retention.max_age_days");
  });

  it("removes old archived revisions; readers answer NotFound, past reads and watches say not retained", async () => {
    const p = await newProject(h);
    const revs = [
      (await h.config.createConfig({ project: p, key: "k", content: json(0), schema: "any" }))
        .revision,
    ];
    for (let i = 1; i < 10; i++)
      revs.push((await h.config.updateConfig({ project: p, key: "k", content: json(i) })).revision);
    // Nothing happens while the project keeps history forever.
    expect(await run(2)).toMatchObject({ deleted: 0 });

    await h.config.updateProject({
      project: p,
      historyRetention: { maxAgeDays: 1, minRevisionsPerConfig: 2 },
      updateMask: { paths: ["history_retention"] },
    });
    // Not yet a day old: nothing is due.
    expect(await run(0)).toMatchObject({ deleted: 0 });
    const first = await run(2);
    expect(first.deleted).toBeGreaterThan(0);
    expect(await run(2)).toMatchObject({ deleted: 0 });

    const { revisions } = await h.config.listRevisions({ project: p, key: "k", pageSize: 100 });
    const kept = revisions.map((r) => r.revision);
    const removed = revs.filter((r) => !kept.includes(r));
    expect(removed.length).toBe(first.deleted);
    // The creation and the newest revisions stay; what went is a run of old ones.
    expect(kept[kept.length - 1]).toBe(revs[0]);
    expect(kept[0]).toBe(revs[9]);
    expect(removed).toEqual(revs.slice(1, 1 + removed.length));
    const gone = removed[0]!;

    const get = await failureOf(h.config.getRevision({ project: p, key: "k", revision: gone }));
    expect(get.code).toBe(Code.NotFound);
    expect(get.rawMessage).toBe(
      `revision ${gone} is not a write of config "k" in project "${p}", or the project's history retention (max_age_days 1, min_revisions_per_config 2) removed it`,
    );
    const diff = await failureOf(
      h.config.diffRevisions({ project: p, key: "k", fromRevision: gone, toRevision: revs[9]! }),
    );
    expect(diff.code).toBe(Code.NotFound);
    const rollback = await failureOf(
      h.config.rollbackConfig({ project: p, key: "k", toRevision: gone }),
    );
    expect(rollback.code).toBe(Code.NotFound);
    const kept0 = await h.config.getRevision({ project: p, key: "k", revision: revs[0]! });
    expect(plain(kept0.revision?.content)).toBe(0);

    const past = await failureOf(h.config.getConfig({ project: p, key: "k", revision: gone }));
    expect(past.code).toBe(Code.OutOfRange);
    expect(past.rawMessage).toContain("no longer retained");

    const ac = new AbortController();
    const stream = h.config.watch({ project: p, startRevision: gone }, { signal: ac.signal });
    for await (const m of stream) {
      expect(m.kind.case).toBe("resync");
      break;
    }
    ac.abort();
  });
});
