import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { appV2, seedApp } from "./testing/app-schema.js";
import { useHarness } from "./testing/harness.js";
import { failureOf } from "@guardian/testkit";

const h = useHarness();

describe("the registry", () => {
  it("resolves the new latest version right after AddSchemaVersion", async () => {
    const { project } = await seedApp(h);
    const before = await h.registry().resolve(project, "app", 0);
    expect(before.version).toBe(1);
    expect(await before.validate(`{"port":9000}`)).toEqual([]);
    await h.schemas().addSchemaVersion({ project, name: "app", content: appV2, force: true });
    const after = await h.registry().resolve(project, "app", 0);
    expect(after.version).toBe(2);
    expect((await after.validate(`{"port":9000}`)).map((v) => v.pointer)).toEqual([
      "/name",
      "/port",
    ]);
    expect(await (await h.registry().resolve(project, "app", 1)).validate(`{"port":9000}`)).toEqual(
      [],
    );
  });

  it("throws NotFound naming the schema or the version", async () => {
    const { project } = await seedApp(h);
    const noSchema = await failureOf(h.registry().resolve(project, "nope", 0));
    expect([noSchema.code, noSchema.rawMessage]).toEqual([
      Code.NotFound,
      `schema "nope" not found in project "${project}"`,
    ]);
    const noVersion = await failureOf(h.registry().resolve(project, "app", 7));
    expect([noVersion.code, noVersion.rawMessage]).toEqual([
      Code.NotFound,
      `schema "app" in project "${project}" has no version 7`,
    ]);
  });

  it("never serves a deleted schema's validators for a re-created one of the same name", async () => {
    const project = await h.newProject();
    await h.schemas().createSchema({ project, name: "app", content: { type: "string" } });
    expect(await (await h.registry().resolve(project, "app", 1)).validate("1")).toHaveLength(1);
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
    expect(await (await h.registry().resolve(project, "app", 1)).validate("1")).toEqual([]);
  });
});
