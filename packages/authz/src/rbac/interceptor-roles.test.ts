import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { bearer, outcome } from "../testing/harness.js";
import { bind, token, useEchoFixture } from "../testing/echo-fixture.js";

const f = useEchoFixture();

describe("auth interceptor: role decisions", () => {
  const read = (h: Record<string, string>) =>
    outcome((o) => f.config.getConfig({ project: "payments", key: "eu/limits" }, o), h);
  const write = (h: Record<string, string>) =>
    outcome((o) => f.config.createConfig({ project: "payments", key: "eu/limits" }, o), h);
  const administer = (h: Record<string, string>) =>
    outcome((o) => f.schema.createSchema({ project: "payments", name: "limits" }, o), h);
  const createProject = (h: Record<string, string>) =>
    outcome((o) => f.config.createProject({ project: "newproj" }, o), h);
  const manageUsers = (h: Record<string, string>) => outcome((o) => f.auth.listUsers({}, o), h);
  const useCluster = (h: Record<string, string>) =>
    outcome((o) => f.cluster.acquireLock({ name: "l" }, o), h);
  const readCluster = (h: Record<string, string>) =>
    outcome((o) => f.cluster.listMembers({}, o), h);
  const internal = (h: Record<string, string>) =>
    outcome((o) => f.store.get({ project: "payments", key: "k" }, o), h);

  async function matrix(h: Record<string, string>) {
    const results = {
      read: await read(h),
      write: await write(h),
      administer: await administer(h),
      createProject: await createProject(h),
      manageUsers: await manageUsers(h),
      useCluster: await useCluster(h),
      readCluster: await readCluster(h),
      internal: await internal(h),
    };
    return Object.fromEntries(
      Object.entries(results).map(([k, v]) => [k, v.code === undefined ? "ok" : Code[v.code]]),
    );
  }

  it("gives a project viewer reads of that project only", async () => {
    await bind(f, "vic", "payments", "viewer");
    expect(await matrix(bearer(await token(f, "vic")).headers)).toEqual({
      read: "ok",
      write: "PermissionDenied",
      administer: "PermissionDenied",
      createProject: "PermissionDenied",
      manageUsers: "PermissionDenied",
      useCluster: "PermissionDenied",
      readCluster: "PermissionDenied",
      internal: "PermissionDenied",
    });
  });

  it("gives a project editor reads and config writes", async () => {
    await bind(f, "eve", "payments", "editor");
    const m = await matrix(bearer(await token(f, "eve")).headers);
    expect([m.read, m.write, m.administer]).toEqual(["ok", "ok", "PermissionDenied"]);
  });

  it("gives a project admin schema and project administration of that project", async () => {
    await bind(f, "abe", "payments", "admin");
    const m = await matrix(bearer(await token(f, "abe")).headers);
    expect([m.read, m.write, m.administer, m.manageUsers]).toEqual([
      "ok",
      "ok",
      "ok",
      "PermissionDenied",
    ]);
  });

  it("gives a global admin everything but internal calls", async () => {
    expect(await matrix(bearer(await token(f, "root", ["guardian-admin"])).headers)).toEqual({
      read: "ok",
      write: "ok",
      administer: "ok",
      createProject: "ok",
      manageUsers: "ok",
      useCluster: "ok",
      readCluster: "ok",
      internal: "PermissionDenied",
    });
  });

  it("gives global editors and viewers their documented permissions", async () => {
    const editor = await matrix(bearer(await token(f, "ed", ["guardian-editor"])).headers);
    expect(editor).toMatchObject({
      read: "ok",
      write: "ok",
      administer: "PermissionDenied",
      createProject: "ok",
      useCluster: "ok",
    });
    const viewer = await matrix(bearer(await token(f, "vi", ["guardian-viewer"])).headers);
    expect(viewer).toMatchObject({
      read: "ok",
      write: "PermissionDenied",
      createProject: "PermissionDenied",
      readCluster: "ok",
      useCluster: "PermissionDenied",
    });
  });

  it("gives the internal role store access only", async () => {
    const m = await matrix(bearer(await token(f, "store-svc", ["guardian-internal"])).headers);
    expect(m).toMatchObject({
      internal: "ok",
      read: "PermissionDenied",
      useCluster: "ok",
      readCluster: "ok",
    });
  });

  it("applies a binding granted elsewhere at once, despite the cache", async () => {
    const h = bearer(await token(f, "newbie")).headers;
    expect((await read(h)).code).toBe(Code.PermissionDenied);
    // Another process grants the role; this process's cache still holds "no bindings".
    await f.db.pool().query(
      `INSERT INTO role_bindings (project, issuer, subject, role, created_by)
       SELECT 'payments', issuer, subject, 'viewer', 'test' FROM users WHERE username = 'newbie'`,
    );
    expect((await read(h)).code).toBeUndefined();
  });

  it("denies at once after a revocation is invalidated in-process", async () => {
    await bind(f, "rita", "payments", "editor");
    const h = bearer(await token(f, "rita")).headers;
    expect((await write(h)).code).toBeUndefined();
    await f.db
      .pool()
      .query(
        `DELETE FROM role_bindings WHERE subject = (SELECT subject FROM users WHERE username = 'rita')`,
      );
    f.server.authz.accounts.invalidate();
    expect((await write(h)).code).toBe(Code.PermissionDenied);
  });

  it("audits a permission denial with actor, action, project and code", async () => {
    const res = await write(bearer(await token(f, "nobody")).headers);
    expect(res.message).toBe(
      'permission denied: guardian.config.v1.ConfigService/CreateConfig needs the editor role on project "payments"',
    );
    const row = await f.db.pool().query(
      `SELECT actor, actor_kind, target, project, result, error_code FROM audit_log
        WHERE actor = 'nobody' AND action = 'guardian.config.v1.ConfigService/CreateConfig'`,
    );
    expect(row.rows).toEqual([
      {
        actor: "nobody",
        actor_kind: "user",
        target: "projects/payments",
        project: "payments",
        result: "denied",
        error_code: "permission_denied",
      },
    ]);
  });

  it("fails an empty project field with InvalidArgument before deciding", async () => {
    const res = await outcome(
      (o) => f.config.getConfig({ project: "", key: "k" }, o),
      bearer(await token(f, "vic")).headers,
    );
    expect(res.code).toBe(Code.InvalidArgument);
    expect(res.message).toBe("invalid project: must not be empty");
  });
});
