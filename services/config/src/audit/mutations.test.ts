import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { as, useHarness } from "../testing/harness.js";
import { json, newProject, user } from "../testing/fixtures.js";
import { failureOf } from "@guardian/testkit";

const h = useHarness();

// Embedded mode: the store's transaction writes a config write's event. Production: the store
// is another process (etcd), and the event is written pending first, then settled.
const modes = [
  { mode: "carried by the store's transaction", config: () => h.config },
  { mode: "pending, then settled", config: () => h.configWith({ auditWithStore: false }) },
];

describe.each(modes)("auditing config mutations ($mode)", ({ config }) => {
  it("records each mutation with its actor, target, outcome and revision", async () => {
    const project = await newProject(h, { creator: user("ada") });
    const ada = as(user("ada"));
    const created = await config().createConfig(
      { project, key: "a/b", schema: "any", content: json({ x: 1 }) },
      ada,
    );
    await failureOf(config().deleteConfig({ project, key: "missing" }, ada));
    const rows = await h.pool.query<{
      action: string;
      target: string;
      result: string;
      detail: { revision?: string };
      error_code: string;
      actor: string;
    }>(
      "SELECT action, target, result, detail, error_code, actor FROM audit_log WHERE project = $1 ORDER BY id",
      [project],
    );
    expect(rows.rows.map((r) => [r.action, r.target, r.result, r.actor])).toEqual([
      ["guardian.config.v1.ConfigService/CreateProject", `projects/${project}`, "ok", "ada"],
      [
        "guardian.config.v1.ConfigService/CreateConfig",
        `projects/${project}/configs/a/b`,
        "ok",
        "ada",
      ],
      [
        "guardian.config.v1.ConfigService/DeleteConfig",
        `projects/${project}/configs/missing`,
        "failed",
        "ada",
      ],
    ]);
    expect(rows.rows[1]!.detail.revision).toBe(created.revision.toString());
    expect(rows.rows[2]!.error_code).toBe("not_found");
  });

  it("does not write a config when its audit record cannot be written", async () => {
    const project = await newProject(h, { creator: user("ada") });
    const ada = as(user("ada"));
    const before = (await h.store.getCompactionInfo({})).currentRevision;
    await h.pool.query("ALTER TABLE audit_log ADD CONSTRAINT refuse_all CHECK (false) NOT VALID");
    try {
      const err = await failureOf(
        config().createConfig({ project, key: "k", schema: "any", content: json({ a: 1 }) }, ada),
      );
      expect(err.code).toBe(Code.Unavailable);
      expect(err.rawMessage).toContain("nothing was changed");
    } finally {
      await h.pool.query("ALTER TABLE audit_log DROP CONSTRAINT refuse_all");
    }
    expect((await h.store.get({ project, key: "k" })).kv).toBeUndefined();
    expect((await h.store.getCompactionInfo({})).currentRevision).toBe(before);
  });
});

describe("config write events carried by the store's transaction", () => {
  async function eventsOf(project: string) {
    const res = await h.pool.query<{ result: string; error_code: string; detail: object }>(
      "SELECT result, error_code, detail FROM audit_log WHERE project = $1 AND action LIKE '%Config' ORDER BY id",
      [project],
    );
    return res.rows.map((r) => [r.result, r.error_code, r.detail]);
  }

  it("stores each change's event in the transaction of its change, and never as pending", async () => {
    const project = await newProject(h, { creator: user("ada") });
    const ada = as(user("ada"));
    const created = await h.config.createConfig(
      { project, key: "k", schema: "any", content: json({ x: 1 }) },
      ada,
    );
    const updated = await h.config.updateConfig(
      { project, key: "k", content: json({ x: 2 }) },
      ada,
    );
    const rolled = await h.config.rollbackConfig(
      { project, key: "k", toRevision: created.revision },
      ada,
    );
    const deleted = await h.config.deleteConfig({ project, key: "k" }, ada);
    const revisions = [created.revision, updated.revision, rolled.revision, deleted.revision];
    const rows = await h.pool.query<{ at_change: string; at_event: string; result: string }>(
      `SELECT l.xmin::text AS at_change, a.xmin::text AS at_event, a.result
         FROM store_log l JOIN audit_log a ON a.detail->>'revision' = l.revision::text
        WHERE l.project = $1 AND a.project = $1 ORDER BY l.revision`,
      [project],
    );
    expect(rows.rows).toHaveLength(revisions.length);
    for (const row of rows.rows) {
      expect(row.result).toBe("ok");
      expect(row.at_event).toBe(row.at_change);
    }
  });

  it("records a refused write and an idempotent replay once their outcome is known", async () => {
    const project = await newProject(h, { creator: user("ada") });
    const ada = as(user("ada"));
    const created = await h.config.createConfig(
      { project, key: "k", schema: "any", content: json({ x: 1 }) },
      ada,
    );
    const conflict = await failureOf(
      h.config.updateConfig(
        { project, key: "k", content: json({ x: 2 }), expectedVersion: 1n },
        ada,
      ),
    );
    expect(conflict.code).toBe(Code.Aborted);
    const once = { project, key: "k", content: json({ x: 3 }), idempotencyKey: "retry-1" };
    const first = await h.config.updateConfig(once, ada);
    const again = await h.config.updateConfig(once, ada);
    expect(again.revision).toBe(first.revision);
    const revision = (r: bigint) => ({ revision: r.toString() });
    expect(await eventsOf(project)).toEqual([
      ["ok", "", revision(created.revision)],
      ["failed", "aborted", {}],
      ["ok", "", revision(first.revision)],
      ["ok", "", revision(first.revision)],
    ]);
  });
});
