import { Code } from "@connectrpc/connect";
import { BreakingConfigsSchema, VersionConflictSchema } from "@guardian/api";
import { describe, expect, it } from "vitest";
import { appLatestVersion, appV1, appV2, seedApp } from "../testing/app-schema.js";
import { useHarness } from "../testing/harness.js";
import { failureOf } from "@guardian/testkit";

const h = useHarness();

describe("AddSchemaVersion", () => {
  it("adds the next version when every config following the latest still validates", async () => {
    const { project } = await seedApp(h);
    const res = await h.schemas().addSchemaVersion({
      project,
      name: "app",
      content: { ...appV1, maxProperties: 5 },
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
    const { project, versions } = await seedApp(h);
    const err = await failureOf(
      h.schemas().addSchemaVersion({ project, name: "app", content: appV2 }),
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
    expect(await appLatestVersion(h, project)).toBe(1);
    const listed = await h.schemas().listSchemaVersions({ project, name: "app" });
    expect(listed.schemaVersions.map((v) => v.version)).toEqual([1]);
  });

  it("adds a breaking version with force, marks it forced and returns the breaking list", async () => {
    const { project } = await seedApp(h);
    const res = await h
      .schemas()
      .addSchemaVersion({ project, name: "app", content: appV2, force: true });
    expect(res).toMatchObject({ created: true, checkedCount: 3n, breakingCount: 2n });
    expect(res.breaking.map((c) => c.key)).toEqual(["b/high", "c/anon"]);
    expect(res.schemaVersion).toMatchObject({ version: 2, forced: true });
    expect(await appLatestVersion(h, project)).toBe(2);
    const got = await h.schemas().getSchema({ project, name: "app", version: 2 });
    expect(got.schemaVersion?.forced).toBe(true);
  });

  it("does not check configs pinned to a version", async () => {
    const project = await h.newProject();
    await h.schemas().createSchema({ project, name: "app", content: appV1 });
    await h
      .schemas()
      .addSchemaVersion({ project, name: "app", content: { ...appV1, minProperties: 0 } });
    await h.putConfig(project, "pinned", { port: 9000 }, { schema: "app", schemaVersion: 2 });
    await h.putConfig(project, "follows", { name: "x", port: 1 }, { schema: "app" });
    const res = await h.schemas().addSchemaVersion({ project, name: "app", content: appV2 });
    expect(res).toMatchObject({ created: true, checkedCount: 1n, breakingCount: 0n });
    expect(res.schema?.latestVersion).toBe(3);
  });

  it("adds nothing for content equal to the latest version, whatever the key order", async () => {
    const { project } = await seedApp(h);
    const reordered = {
      properties: { name: { type: "string" }, port: { type: "integer" } },
      type: "object",
    };
    const res = await h.schemas().addSchemaVersion({ project, name: "app", content: reordered });
    expect(res).toMatchObject({ created: false, checkedCount: 0n });
    expect(res.schemaVersion?.version).toBe(1);
    expect(await appLatestVersion(h, project)).toBe(1);
  });

  it("fails with Aborted and VersionConflict when expected_latest_version is stale", async () => {
    const { project } = await seedApp(h);
    await h
      .schemas()
      .addSchemaVersion({ project, name: "app", content: { ...appV1, maxProperties: 9 } });
    const err = await failureOf(
      h.schemas().addSchemaVersion({
        project,
        name: "app",
        content: { ...appV1, maxProperties: 8 },
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
      content: { ...appV1, maxProperties: 8 },
      expectedLatestVersion: 2,
    });
    expect(ok.schema?.latestVersion).toBe(3);
  });

  it("answers NotFound for an unknown schema and InvalidArgument for an invalid one", async () => {
    const project = await h.newProject();
    const missing = await failureOf(
      h.schemas().addSchemaVersion({ project, name: "app", content: appV1 }),
    );
    expect(missing.code).toBe(Code.NotFound);
    await h.schemas().createSchema({ project, name: "app", content: appV1 });
    const invalid = await failureOf(
      h.schemas().addSchemaVersion({ project, name: "app", content: { type: "objekt" } }),
    );
    expect(invalid.code).toBe(Code.InvalidArgument);
  });
});

describe("ListSchemaVersions", () => {
  it("lists versions newest first, with content only when asked", async () => {
    const project = await h.newProject();
    await h.schemas().createSchema({ project, name: "app", content: { type: "object" } });
    for (const max of [10, 20, 30, 40]) {
      await h.schemas().addSchemaVersion({ project, name: "app", content: { maxProperties: max } });
    }
    const first = await h.schemas().listSchemaVersions({ project, name: "app", pageSize: 2 });
    expect(first.schemaVersions.map((v) => v.version)).toEqual([5, 4]);
    expect(first.schemaVersions[0]?.content).toBeUndefined();
    const rest = await h.schemas().listSchemaVersions({
      project,
      name: "app",
      pageSize: 2,
      pageToken: first.nextPageToken,
    });
    expect(rest.schemaVersions.map((v) => v.version)).toEqual([3, 2]);
    const last = await h.schemas().listSchemaVersions({
      project,
      name: "app",
      pageSize: 2,
      pageToken: rest.nextPageToken,
    });
    expect(last.schemaVersions.map((v) => v.version)).toEqual([1]);
    expect(last.nextPageToken).toBe("");
    const full = await h
      .schemas()
      .listSchemaVersions({ project, name: "app", includeContent: true });
    expect(full.schemaVersions[0]?.content).toEqual({ maxProperties: 40 });
  });
});

describe("costly candidates", () => {
  const catastrophic = {
    type: "object",
    properties: { name: { type: "string", pattern: "^(a+)+$" } },
  };

  it("check stored configs against a catastrophic pattern in linear time", async () => {
    const project = await h.newProject();
    await h.schemas().createSchema({ project, name: "app", content: appV1 });
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
    const { project } = await seedApp(h);
    const content = { ...appV1, properties: { name: { type: "string", pattern: "^(a)\\1$" } } };
    const err = await failureOf(h.schemas().addSchemaVersion({ project, name: "app", content }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toContain("/properties/name/pattern: pattern");
    expect(await appLatestVersion(h, project)).toBe(1);
  });
});
