import { Code } from "@connectrpc/connect";
import { BreakingConfigsSchema, Dialect, VersionConflictSchema } from "@guardian/api";
import { describe, expect, it } from "vitest";
import { rejectionOf, useSchemaHarness } from "./test-harness.js";

const h = useSchemaHarness();

const v1 = {
  type: "object",
  properties: { port: { type: "integer" }, name: { type: "string" } },
};
const v2 = {
  type: "object",
  required: ["name"],
  properties: { port: { type: "integer", maximum: 1024 }, name: { type: "string" } },
};

/** A project with schema "app" v1 and three configs following the latest version. */
async function seeded() {
  const project = await h.newProject();
  await h.schemas().createSchema({ project, name: "app", content: v1 });
  const versions = {
    ok: await h.putConfig(project, "a/ok", { name: "a", port: 80 }, { schema: "app" }),
    high: await h.putConfig(project, "b/high", { name: "b", port: 8080 }, { schema: "app" }),
    anon: await h.putConfig(project, "c/anon", { port: 9000 }, { schema: "app" }),
  };
  return { project, versions };
}

async function latestVersion(project: string): Promise<number | undefined> {
  return (await h.schemas().getSchema({ project, name: "app" })).schema?.latestVersion;
}

describe("AddSchemaVersion", () => {
  it("adds the next version when every config following the latest still validates", async () => {
    const { project } = await seeded();
    const res = await h.schemas().addSchemaVersion({
      project,
      name: "app",
      content: { ...v1, maxProperties: 5 },
      message: "cap properties",
    });
    expect(res).toMatchObject({ created: true, checkedCount: 3n, breakingCount: 0n, breaking: [] });
    expect(res.revision).toBeGreaterThan(0n);
    expect(res.schema?.latestVersion).toBe(2);
    expect(res.schemaVersion).toMatchObject({
      version: 2,
      message: "cap properties",
      forced: false,
    });
  });

  it("refuses a breaking version with FailedPrecondition listing each config, writing nothing", async () => {
    const { project, versions } = await seeded();
    const err = await rejectionOf(
      h.schemas().addSchemaVersion({ project, name: "app", content: v2 }),
    );
    expect(err.code).toBe(Code.FailedPrecondition);
    expect(err.rawMessage).toContain('schema "app" v2 would break 2 config(s)');
    const [detail] = err.findDetails(BreakingConfigsSchema);
    expect(detail?.totalCount).toBe(2n);
    expect(
      detail?.configs.map((c) => ({
        key: c.key,
        project: c.project,
        version: c.version,
        pointers: c.violations.map((v) => [v.pointer, v.keyword]),
      })),
    ).toEqual([
      { key: "b/high", project, version: versions.high, pointers: [["/port", "maximum"]] },
      {
        key: "c/anon",
        project,
        version: versions.anon,
        pointers: [
          ["/name", "required"],
          ["/port", "maximum"],
        ],
      },
    ]);
    expect(await latestVersion(project)).toBe(1);
    const listed = await h.schemas().listSchemaVersions({ project, name: "app" });
    expect(listed.schemaVersions.map((v) => v.version)).toEqual([1]);
  });

  it("adds a breaking version with force, marks it forced and returns the breaking list", async () => {
    const { project } = await seeded();
    const res = await h
      .schemas()
      .addSchemaVersion({ project, name: "app", content: v2, force: true });
    expect(res).toMatchObject({ created: true, checkedCount: 3n, breakingCount: 2n });
    expect(res.breaking.map((c) => c.key)).toEqual(["b/high", "c/anon"]);
    expect(res.schemaVersion).toMatchObject({ version: 2, forced: true });
    expect(await latestVersion(project)).toBe(2);
    const got = await h.schemas().getSchema({ project, name: "app", version: 2 });
    expect(got.schemaVersion?.forced).toBe(true);
  });

  it("does not check configs pinned to a version", async () => {
    const project = await h.newProject();
    await h.schemas().createSchema({ project, name: "app", content: v1 });
    await h
      .schemas()
      .addSchemaVersion({ project, name: "app", content: { ...v1, minProperties: 0 } });
    await h.putConfig(project, "pinned", { port: 9000 }, { schema: "app", schemaVersion: 2 });
    await h.putConfig(project, "follows", { name: "x", port: 1 }, { schema: "app" });
    const res = await h.schemas().addSchemaVersion({ project, name: "app", content: v2 });
    expect(res).toMatchObject({ created: true, checkedCount: 1n, breakingCount: 0n });
    expect(res.schema?.latestVersion).toBe(3);
  });

  it("adds nothing for content equal to the latest version, whatever the key order", async () => {
    const { project } = await seeded();
    const reordered = {
      properties: { name: { type: "string" }, port: { type: "integer" } },
      type: "object",
    };
    const res = await h.schemas().addSchemaVersion({ project, name: "app", content: reordered });
    expect(res).toMatchObject({ created: false, checkedCount: 0n });
    expect(res.schemaVersion?.version).toBe(1);
    expect(await latestVersion(project)).toBe(1);
  });

  it("fails with Aborted and VersionConflict when expected_latest_version is stale", async () => {
    const { project } = await seeded();
    await h
      .schemas()
      .addSchemaVersion({ project, name: "app", content: { ...v1, maxProperties: 9 } });
    const err = await rejectionOf(
      h.schemas().addSchemaVersion({
        project,
        name: "app",
        content: { ...v1, maxProperties: 8 },
        expectedLatestVersion: 1,
      }),
    );
    expect(err.code).toBe(Code.Aborted);
    expect(err.findDetails(VersionConflictSchema)[0]).toMatchObject({
      project,
      schema: "app",
      key: "",
      expectedVersion: 1n,
      currentVersion: 2n,
    });
    const ok = await h.schemas().addSchemaVersion({
      project,
      name: "app",
      content: { ...v1, maxProperties: 8 },
      expectedLatestVersion: 2,
    });
    expect(ok.schema?.latestVersion).toBe(3);
  });

  it("answers NotFound for an unknown schema and InvalidArgument for an invalid one", async () => {
    const project = await h.newProject();
    const missing = await rejectionOf(
      h.schemas().addSchemaVersion({ project, name: "app", content: v1 }),
    );
    expect(missing.code).toBe(Code.NotFound);
    await h.schemas().createSchema({ project, name: "app", content: v1 });
    const invalid = await rejectionOf(
      h.schemas().addSchemaVersion({ project, name: "app", content: { type: "objekt" } }),
    );
    expect(invalid.code).toBe(Code.InvalidArgument);
  });
});

describe("DryRunSchemaVersion", () => {
  it("reports what would break without writing anything", async () => {
    const { project, versions } = await seeded();
    const res = await h.schemas().dryRunSchemaVersion({ project, name: "app", content: v2 });
    expect(res).toMatchObject({
      breakingCount: 2n,
      checkedCount: 3n,
      nextVersion: 2,
      unchanged: false,
      dialect: Dialect.DRAFT_2020_12,
    });
    expect(res.revision).toBeGreaterThanOrEqual(versions.anon);
    expect(res.wouldBreak.map((c) => [c.key, c.violations.map((v) => v.pointer)])).toEqual([
      ["b/high", ["/port"]],
      ["c/anon", ["/name", "/port"]],
    ]);
    expect(await latestVersion(project)).toBe(1);
  });

  it("says when the candidate equals the latest version", async () => {
    const { project } = await seeded();
    const res = await h.schemas().dryRunSchemaVersion({ project, name: "app", content: v1 });
    expect(res).toMatchObject({ unchanged: true, nextVersion: 1, breakingCount: 0n });
  });
});

describe("the registry", () => {
  it("resolves the new latest version right after AddSchemaVersion", async () => {
    const { project } = await seeded();
    const before = await h.registry().resolve(project, "app", 0);
    expect(before.version).toBe(1);
    expect(await before.validate({ port: 9000 })).toEqual([]);
    await h.schemas().addSchemaVersion({ project, name: "app", content: v2, force: true });
    const after = await h.registry().resolve(project, "app", 0);
    expect(after.version).toBe(2);
    expect((await after.validate({ port: 9000 })).map((v) => v.pointer)).toEqual([
      "/name",
      "/port",
    ]);
    expect(await (await h.registry().resolve(project, "app", 1)).validate({ port: 9000 })).toEqual(
      [],
    );
  });

  it("throws NotFound naming the schema or the version", async () => {
    const { project } = await seeded();
    const noSchema = await rejectionOf(h.registry().resolve(project, "nope", 0));
    expect([noSchema.code, noSchema.rawMessage]).toEqual([
      Code.NotFound,
      `schema "nope" not found in project "${project}"`,
    ]);
    const noVersion = await rejectionOf(h.registry().resolve(project, "app", 7));
    expect([noVersion.code, noVersion.rawMessage]).toEqual([
      Code.NotFound,
      `schema "app" in project "${project}" has no version 7`,
    ]);
  });

  it("never serves a deleted schema's validators for a re-created one of the same name", async () => {
    const project = await h.newProject();
    await h.schemas().createSchema({ project, name: "app", content: { type: "string" } });
    expect(await (await h.registry().resolve(project, "app", 1)).validate(1)).toHaveLength(1);
    // Delete behind the service's back, as another process would, so nothing is invalidated.
    await h.pool().query("DELETE FROM schemas WHERE project = $1", [project]);
    await h
      .pool()
      .query(
        "INSERT INTO schemas (project, name, latest_version, created_by) VALUES ($1, 'app', 1, 't')",
        [project],
      );
    await h.pool().query(
      `INSERT INTO schema_versions (project, name, version, content, dialect, created_by)
       VALUES ($1, 'app', 1, '{"type": "integer"}', 'draft-2020-12', 't')`,
      [project],
    );
    expect(await (await h.registry().resolve(project, "app", 1)).validate(1)).toEqual([]);
  });
});

describe("costly candidates", () => {
  const catastrophic = {
    type: "object",
    properties: { name: { type: "string", pattern: "^(a+)+$" } },
  };

  it("check stored configs against a catastrophic pattern in linear time", async () => {
    const project = await h.newProject();
    await h.schemas().createSchema({ project, name: "app", content: v1 });
    await h.putConfig(project, "evil", { name: `${"a".repeat(30)}b` }, { schema: "app" });
    await h.putConfig(project, "fine", { name: "aaaa" }, { schema: "app" });
    const res = await h
      .schemas()
      .dryRunSchemaVersion({ project, name: "app", content: catastrophic });
    expect(res).toMatchObject({ checkedCount: 2n, breakingCount: 1n });
    expect(res.wouldBreak.map((c) => [c.key, c.violations.map((v) => v.pointer)])).toEqual([
      ["evil", ["/name"]],
    ]);
  });

  it("refuse a pattern RE2 cannot express before anything is checked or written", async () => {
    const { project } = await seeded();
    const content = { ...v1, properties: { name: { type: "string", pattern: "^(a)\\1$" } } };
    const err = await rejectionOf(h.schemas().addSchemaVersion({ project, name: "app", content }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toContain("/properties/name/pattern: pattern");
    expect(await latestVersion(project)).toBe(1);
  });
});
