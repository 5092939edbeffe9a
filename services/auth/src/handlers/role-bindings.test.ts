import { Code } from "@connectrpc/connect";
import { Role } from "@guardian/api";
import { useTestDatabase } from "@guardian/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { codeOf, useHarness } from "../testing/harness.js";

const db = useTestDatabase();
const h = useHarness(db, { projects: ["payments", "billing"] });
const admin = h.admin;
const password = "a sufficiently long password";
const tokens: Record<string, string> = {};

beforeAll(async () => {
  for (const name of ["owner", "dev", "reader", "outsider"]) {
    await h.client.createUser({ username: name, password }, admin);
    tokens[name] = (await h.client.login({ username: name, password })).tokens!.accessToken;
  }
});

const as = (name: string) => h.as(tokens[name]!);

describe("role bindings", () => {
  it("lets a global admin grant project admin, and that admin manage the project's bindings", async () => {
    const res = await h.client.grantRole(
      { project: "payments", username: "owner", role: Role.ADMIN },
      admin,
    );
    expect(res.binding).toMatchObject({
      project: "payments",
      username: "owner",
      role: Role.ADMIN,
      createdBy: "admin",
    });
    // The grant applies to the owner's very next call, with the token it already holds.
    await h.client.grantRole(
      { project: "payments", username: "dev", role: Role.EDITOR },
      as("owner"),
    );
    await h.client.grantRole(
      { project: "payments", username: "reader", role: Role.VIEWER },
      as("owner"),
    );
    const list = await h.client.listRoleBindings({ project: "payments" }, as("reader"));
    expect(list.bindings.map((b) => [b.username, b.role, b.createdBy])).toEqual([
      ["dev", Role.EDITOR, "owner"],
      ["owner", Role.ADMIN, "admin"],
      ["reader", Role.VIEWER, "owner"],
    ]);
  });

  it("refuses binding management to editors, viewers, outsiders and other projects' admins", async () => {
    const grant = (who: string, project = "payments") =>
      codeOf(h.client.grantRole({ project, username: "outsider", role: Role.VIEWER }, as(who)));
    expect(await grant("dev")).toBe(Code.PermissionDenied);
    expect(await grant("reader")).toBe(Code.PermissionDenied);
    expect(await grant("outsider")).toBe(Code.PermissionDenied);
    expect(await grant("owner", "billing")).toBe(Code.PermissionDenied);
    expect(await codeOf(h.client.listRoleBindings({ project: "payments" }, as("outsider")))).toBe(
      Code.PermissionDenied,
    );
  });

  it("replaces a user's role on regrant; one role per user and project", async () => {
    const res = await h.client.grantRole(
      { project: "payments", username: "reader", role: Role.EDITOR },
      as("owner"),
    );
    expect(res.binding?.role).toBe(Role.EDITOR);
    const rows = await db.pool().query(
      `SELECT count(*)::int AS n FROM role_bindings b JOIN users u USING (issuer, subject)
        WHERE b.project = 'payments' AND u.username = 'reader'`,
    );
    expect(rows.rows[0].n).toBe(1);
    await h.client.grantRole(
      { project: "payments", username: "reader", role: Role.VIEWER },
      as("owner"),
    );
  });

  it("revokes a binding with effect on the next call", async () => {
    await h.client.grantRole({ project: "billing", username: "dev", role: Role.VIEWER }, admin);
    expect(
      await codeOf(h.client.listRoleBindings({ project: "billing" }, as("dev"))),
    ).toBeUndefined();
    await h.client.revokeRole({ project: "billing", username: "dev" }, admin);
    expect(await codeOf(h.client.listRoleBindings({ project: "billing" }, as("dev")))).toBe(
      Code.PermissionDenied,
    );
    expect(await codeOf(h.client.revokeRole({ project: "billing", username: "dev" }, admin))).toBe(
      Code.NotFound,
    );
  });

  it("never demotes or removes a project's last admin", async () => {
    expect(
      await codeOf(
        h.client.grantRole({ project: "payments", username: "owner", role: Role.EDITOR }, admin),
      ),
    ).toBe(Code.FailedPrecondition);
    expect(
      await codeOf(h.client.revokeRole({ project: "payments", username: "owner" }, admin)),
    ).toBe(Code.FailedPrecondition);
    await h.client.grantRole(
      { project: "payments", username: "dev", role: Role.ADMIN },
      as("owner"),
    );
    await h.client.revokeRole({ project: "payments", username: "owner" }, as("dev"));
    expect(await codeOf(h.client.listRoleBindings({ project: "payments" }, as("owner")))).toBe(
      Code.PermissionDenied,
    );
  });

  it("answers NotFound for an unknown project or user and InvalidArgument for an unspecified role", async () => {
    expect(
      await codeOf(
        h.client.grantRole({ project: "nowhere", username: "dev", role: Role.VIEWER }, admin),
      ),
    ).toBe(Code.NotFound);
    expect(
      await codeOf(
        h.client.grantRole({ project: "payments", username: "ghost", role: Role.VIEWER }, admin),
      ),
    ).toBe(Code.NotFound);
    expect(await codeOf(h.client.grantRole({ project: "payments", username: "dev" }, admin))).toBe(
      Code.InvalidArgument,
    );
    expect(await codeOf(h.client.listRoleBindings({ project: "nowhere" }, admin))).toBe(
      Code.NotFound,
    );
  });

  it("binds Keycloak users, who exist after their first call", async () => {
    const token = await h.keycloak.mint({ username: "kc-dev" });
    expect(
      await codeOf(
        h.client.grantRole({ project: "payments", username: "kc-dev", role: Role.VIEWER }, admin),
      ),
    ).toBe(Code.NotFound);
    await h.client.whoAmI({}, h.as(token));
    await h.client.grantRole({ project: "payments", username: "kc-dev", role: Role.VIEWER }, admin);
    const me = await h.client.whoAmI({}, h.as(token));
    expect(me.principal?.roleBindings.map((b) => [b.project, b.role])).toEqual([
      ["payments", Role.VIEWER],
    ]);
  });

  it("pages bindings in username order", async () => {
    const first = await h.client.listRoleBindings({ project: "payments", pageSize: 2 }, admin);
    expect(first.bindings).toHaveLength(2);
    const second = await h.client.listRoleBindings(
      { project: "payments", pageSize: 2, pageToken: first.nextPageToken },
      admin,
    );
    const names = [...first.bindings, ...second.bindings].map((b) => b.username);
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(names.length);
  });

  it("audits grants and revocations with the role", async () => {
    const rows = await db.pool().query(
      `SELECT actor, target, project, detail FROM audit_log
        WHERE action = 'guardian.auth.v1.AuthService/GrantRole' AND result = 'ok' AND actor = 'owner'
        ORDER BY id LIMIT 1`,
    );
    expect(rows.rows[0]).toMatchObject({
      actor: "owner",
      target: "projects/payments/rolebindings/dev",
      project: "payments",
      detail: { username: "dev", role: "editor" },
    });
  });
});
