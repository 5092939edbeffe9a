import { Code } from "@connectrpc/connect";
import { ChangeType, ResourceInUseSchema, VersionConflictSchema } from "@guardian/api";
import type { Principal } from "@guardian/kit";
import { describe, expect, it } from "vitest";
import { as, useHarness } from "../testing/harness.js";
import { json, newProject, projectName, user } from "../testing/fixtures.js";
import { failureOf } from "@guardian/testkit";

const h = useHarness();

describe("projects", () => {
  it("creates a project at version 1, reads it back and makes the creator its admin", async () => {
    const name = projectName();
    const { project } = await h.config.createProject(
      { project: name, displayName: "Payments", description: "money", labels: { team: "pay" } },
      as(user("alice")),
    );
    expect(project).toMatchObject({
      name,
      displayName: "Payments",
      description: "money",
      labels: { team: "pay" },
      createdBy: "alice",
      version: 1n,
    });
    const got = await h.config.getProject({ project: name });
    expect(got.project?.createTime).toEqual(project?.createTime);
    const binding = await h.pool.query(
      "SELECT issuer, subject, role FROM role_bindings WHERE project = $1",
      [name],
    );
    expect(binding.rows).toEqual([{ issuer: "https://idp.test", subject: "alice", role: "admin" }]);
  });

  it("refuses a taken name with AlreadyExists", async () => {
    const name = projectName();
    await h.config.createProject({ project: name });
    const err = await failureOf(h.config.createProject({ project: name }));
    expect(err.code).toBe(Code.AlreadyExists);
    expect(err.rawMessage).toContain(name);
  });

  it("answers NotFound for an unknown project and InvalidArgument for a malformed name", async () => {
    expect((await failureOf(h.config.getProject({ project: "no-such-project" }))).code).toBe(
      Code.NotFound,
    );
    const bad = await failureOf(h.config.getProject({ project: "Bad_Name" }));
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(bad.rawMessage).toContain("project");
  });

  it("updates only the fields in the mask and increments the version", async () => {
    const name = projectName();
    await h.config.createProject({ project: name, displayName: "A", description: "keep" });
    const { project } = await h.config.updateProject({
      project: name,
      displayName: "B",
      description: "ignored",
      updateMask: { paths: ["display_name"] },
      expectedVersion: 1n,
    });
    expect(project).toMatchObject({ displayName: "B", description: "keep", version: 2n });
  });

  it("refuses an update with a stale expected_version and reports the current version", async () => {
    const name = projectName();
    await h.config.createProject({ project: name });
    await h.config.updateProject({
      project: name,
      labels: { a: "1" },
      updateMask: { paths: ["labels"] },
    });
    const err = await failureOf(
      h.config.updateProject({
        project: name,
        labels: { a: "2" },
        updateMask: { paths: ["labels"] },
        expectedVersion: 1n,
      }),
    );
    expect(err.code).toBe(Code.Aborted);
    expect(err.findDetails(VersionConflictSchema)[0]).toMatchObject({
      project: name,
      expectedVersion: 1n,
      currentVersion: 2n,
    });
    expect((await h.config.getProject({ project: name })).project?.labels).toEqual({ a: "1" });
  });

  it("refuses an update without a mask or with an unknown path", async () => {
    const name = projectName();
    await h.config.createProject({ project: name });
    const empty = await failureOf(h.config.updateProject({ project: name, displayName: "x" }));
    expect(empty.code).toBe(Code.InvalidArgument);
    expect(empty.rawMessage).toContain("update_mask");
    const unknown = await failureOf(
      h.config.updateProject({ project: name, updateMask: { paths: ["name"] } }),
    );
    expect(unknown.code).toBe(Code.InvalidArgument);
    expect(
      (
        await failureOf(
          h.config.updateProject({ project: "missing-project", updateMask: { paths: ["labels"] } }),
        )
      ).code,
    ).toBe(Code.NotFound);
  });

  it("lists projects by name with pagination and a label selector", async () => {
    const team = `t${Date.now().toString(36)}`;
    const names = [projectName(), projectName(), projectName()];
    for (const n of names) await h.config.createProject({ project: n, labels: { team } });
    await h.config.createProject({ project: projectName(), labels: { team: "other" } });
    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await h.config.listProjects({ pageSize: 2, pageToken, labelSelector: { team } });
      expect(page.projects.length).toBeLessThanOrEqual(2);
      seen.push(...page.projects.map((p) => p.name));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(seen).toEqual([...names].sort());
    const wrong = await failureOf(
      h.config.listProjects({ pageSize: 3, pageToken: "bm9wZQ", labelSelector: { team } }),
    );
    expect(wrong.code).toBe(Code.InvalidArgument);
  });

  it("lists only the projects the caller may read", async () => {
    const mine = projectName();
    const theirs = projectName();
    await h.config.createProject({ project: mine });
    await h.config.createProject({ project: theirs });
    const names = async (principal: Principal) =>
      (await h.config.listProjects({ pageSize: 1000 }, as(principal))).projects.map((p) => p.name);
    expect(
      await names({ kind: "api_key", id: "ak_1", name: "apikey:ak_1", project: mine }),
    ).toEqual([mine]);
    expect(await names({ ...user("erin"), projectRoles: { [mine]: "viewer" } })).toEqual([mine]);
    const global = await names({ ...user("root"), globalRoles: ["viewer"] });
    expect(global).toContain(mine);
    expect(global).toContain(theirs);
  });
});

describe("deleting projects", () => {
  it("refuses to delete a project with configs unless forced", async () => {
    const name = await newProject(h);
    await h.config.createConfig({ project: name, key: "a", content: json(1), schema: "any" });
    const err = await failureOf(h.config.deleteProject({ project: name }));
    expect(err.code).toBe(Code.FailedPrecondition);
    expect(err.findDetails(ResourceInUseSchema)[0]).toMatchObject({
      resource: `projects/${name}`,
      usedBy: [`projects/${name}/configs/a`],
      usedByCount: 1n,
    });
    expect((await h.config.getProject({ project: name })).project?.name).toBe(name);
  });

  it("force-deletes the configs through the store, keeps their history and never reuses the name", async () => {
    const name = await newProject(h);
    const content = json("v");
    for (const key of ["a", "b/c"])
      await h.config.createConfig({ project: name, key, content, schema: "any" });
    const stale = await failureOf(
      h.config.deleteProject({ project: name, force: true, expectedVersion: 7n }),
    );
    expect(stale.code).toBe(Code.Aborted);
    const res = await h.config.deleteProject({ project: name, force: true, expectedVersion: 1n });
    expect(res.deletedConfigs).toBe(2n);
    expect(res.revision).toBe(await h.engine.currentRevision());
    expect((await failureOf(h.config.getProject({ project: name }))).code).toBe(Code.NotFound);
    expect((await h.store.range({ project: name })).kvs).toEqual([]);
    const history = await h.store.listKeyRevisions({ project: name, key: "b/c" });
    expect(history.records.map((r) => r.meta?.changeType)).toEqual([
      ChangeType.DELETE,
      ChangeType.CREATE,
    ]);
    const schemas = await h.pool.query("SELECT 1 FROM schemas WHERE project = $1", [name]);
    expect(schemas.rowCount).toBe(0);
    const again = await failureOf(h.config.createProject({ project: name }));
    expect(again.code).toBe(Code.AlreadyExists);
    expect((await failureOf(h.config.deleteProject({ project: name }))).code).toBe(Code.NotFound);
  });
});
