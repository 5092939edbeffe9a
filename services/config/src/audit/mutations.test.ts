import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { as, useHarness } from "../testing/harness.js";
import { json, newProject, user } from "../testing/fixtures.js";
import { failureOf } from "@guardian/testkit";

const h = useHarness();

describe("auditing config mutations", () => {
  it("records each mutation with its actor, target, outcome and revision", async () => {
    const project = await newProject(h, { creator: user("ada") });
    const ada = as(user("ada"));
    const created = await h.config.createConfig(
      { project, key: "a/b", schema: "any", content: json({ x: 1 }) },
      ada,
    );
    await failureOf(h.config.deleteConfig({ project, key: "missing" }, ada));
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
        h.config.createConfig({ project, key: "k", schema: "any", content: json({ a: 1 }) }, ada),
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
