import { Code } from "@connectrpc/connect";
import { BadRequestSchema, GlobalRole, PrincipalKind, Role } from "@guardian/api";
import { failureOf, useTestDatabase } from "@guardian/testkit";
import { describe, expect, it } from "vitest";
import { useHarness } from "../testing/harness.js";

const db = useTestDatabase();
const h = useHarness(db, { projects: ["payments"] });
const admin = h.admin;
const password = "a sufficiently long password";

describe("CreateUser and GetUser", () => {
  it("creates a local user and a service account; only a hash of the password is stored", async () => {
    const res = await h.client.createUser(
      {
        username: "ada",
        password,
        displayName: "Ada",
        email: "ada@example.com",
        globalRoles: [GlobalRole.VIEWER],
      },
      admin,
    );
    expect(res.user).toMatchObject({
      username: "ada",
      local: true,
      serviceAccount: false,
      disabled: false,
      globalRoles: [GlobalRole.VIEWER],
    });
    const svc = await h.client.createUser(
      { username: "ci-bot", password, serviceAccount: true },
      admin,
    );
    expect(svc.user?.serviceAccount).toBe(true);
    const row = await db.pool().query(`SELECT password_hash FROM users WHERE username = 'ada'`);
    expect(row.rows[0].password_hash).toMatch(/^scrypt\$/);
    expect(row.rows[0].password_hash).not.toContain(password);
    const token = (await h.client.login({ username: "ci-bot", password })).tokens!.accessToken;
    expect((await h.client.whoAmI({}, h.as(token))).principal?.kind).toBe(PrincipalKind.SERVICE);
  });

  it("refuses a taken username, also one taken by a Keycloak user, with AlreadyExists", async () => {
    expect((await failureOf(h.client.createUser({ username: "ada", password }, admin))).code).toBe(
      Code.AlreadyExists,
    );
    await h.client.whoAmI({}, h.as(await h.keycloak.mint({ username: "kcuser" })));
    expect(
      (await failureOf(h.client.createUser({ username: "kcuser", password }, admin))).code,
    ).toBe(Code.AlreadyExists);
  });

  it("names every malformed field with InvalidArgument", async () => {
    const err = await failureOf(
      h.client.createUser(
        {
          username: "Bad Name",
          password: "short",
          email: "nope",
          globalRoles: [GlobalRole.UNSPECIFIED],
        },
        admin,
      ),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    const fields = err.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field);
    expect(fields).toEqual(["username", "password", "email", "global_roles"]);
  });

  it("returns a user with its role bindings, and NotFound for an unknown one", async () => {
    await h.client.grantRole({ project: "payments", username: "ada", role: Role.EDITOR }, admin);
    const res = await h.client.getUser({ username: "ada" }, admin);
    expect(res.user?.roleBindings.map((b) => [b.project, b.role, b.createdBy])).toEqual([
      ["payments", Role.EDITOR, "admin"],
    ]);
    expect((await failureOf(h.client.getUser({ username: "ghost" }, admin))).code).toBe(
      Code.NotFound,
    );
  });

  it("is for global admins only", async () => {
    const token = (await h.client.login({ username: "ada", password })).tokens!.accessToken;
    expect((await failureOf(h.client.getUser({ username: "ada" }, h.as(token)))).code).toBe(
      Code.PermissionDenied,
    );
  });
});

describe("ListUsers", () => {
  it("pages through users ordered by username and filters by prefix and disabled state", async () => {
    for (const name of ["list-a", "list-b", "list-c", "list-d", "list-e"]) {
      await h.client.createUser({ username: name, password, email: `${name}@corp.example` }, admin);
    }
    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await h.client.listUsers({ pageSize: 2, query: "LIST-", pageToken }, admin);
      expect(page.users.length).toBeLessThanOrEqual(2);
      seen.push(...page.users.map((u) => u.username));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(seen).toEqual(["list-a", "list-b", "list-c", "list-d", "list-e"]);
    await h.client.disableUser({ username: "list-c" }, admin);
    const disabled = await h.client.listUsers({ disabled: true, query: "list-" }, admin);
    expect(disabled.users.map((u) => u.username)).toEqual(["list-c"]);
    const byEmail = await h.client.listUsers({ query: "list-e@corp" }, admin);
    expect(byEmail.users.map((u) => u.username)).toEqual(["list-e"]);
  });

  it("refuses a page token sent with different filters", async () => {
    const page = await h.client.listUsers({ pageSize: 1 }, admin);
    const err = await failureOf(
      h.client.listUsers({ pageSize: 1, query: "x", pageToken: page.nextPageToken }, admin),
    );
    expect(err.code).toBe(Code.InvalidArgument);
  });
});

describe("UpdateUser", () => {
  it("changes only the fields in the mask, and the new global roles apply at once", async () => {
    await h.client.createUser({ username: "upd", password, displayName: "Old" }, admin);
    const token = (await h.client.login({ username: "upd", password })).tokens!.accessToken;
    expect((await failureOf(h.client.listUsers({}, h.as(token)))).code).toBe(Code.PermissionDenied);
    const res = await h.client.updateUser(
      {
        username: "upd",
        displayName: "New",
        email: "ignored@example.com",
        globalRoles: [GlobalRole.ADMIN],
        updateMask: { paths: ["display_name", "global_roles"] },
      },
      admin,
    );
    expect(res.user).toMatchObject({
      displayName: "New",
      email: "",
      globalRoles: [GlobalRole.ADMIN],
    });
    // Local users' roles are read from the database on each call, not from the old token.
    expect((await h.client.listUsers({}, h.as(token))).users.length).toBeGreaterThan(0);
  });

  it("refuses an empty or unknown mask, Keycloak roles, and removing the last admin", async () => {
    expect((await failureOf(h.client.updateUser({ username: "upd" }, admin))).code).toBe(
      Code.InvalidArgument,
    );
    expect(
      (
        await failureOf(
          h.client.updateUser({ username: "upd", updateMask: { paths: ["password"] } }, admin),
        )
      ).code,
    ).toBe(Code.InvalidArgument);
    expect(
      (
        await failureOf(
          h.client.updateUser(
            { username: "kcuser", updateMask: { paths: ["global_roles"] } },
            admin,
          ),
        )
      ).code,
    ).toBe(Code.FailedPrecondition);
    // "upd" is an admin now; demote it, then try to demote the bootstrap admin, the last one.
    await h.client.updateUser({ username: "upd", updateMask: { paths: ["global_roles"] } }, admin);
    const err = await failureOf(
      h.client.updateUser({ username: "admin", updateMask: { paths: ["global_roles"] } }, admin),
    );
    expect(err.code).toBe(Code.FailedPrecondition);
    expect(err.rawMessage).toContain("last enabled global admin");
  });
});

describe("DisableUser and EnableUser", () => {
  it("disables a user: its calls fail with PermissionDenied and its sessions are revoked", async () => {
    await h.client.createUser({ username: "dis", password }, admin);
    const pair = (await h.client.login({ username: "dis", password })).tokens!;
    const res = await h.client.disableUser({ username: "dis", reason: "left the company" }, admin);
    expect(res.user?.disabled).toBe(true);
    expect((await failureOf(h.client.whoAmI({}, h.as(pair.accessToken)))).code).toBe(
      Code.PermissionDenied,
    );
    expect((await failureOf(h.client.refresh({ refreshToken: pair.refreshToken }))).code).toBe(
      Code.Unauthenticated,
    );
    expect((await h.client.disableUser({ username: "dis" }, admin)).user?.disabled).toBe(true);
    const audit = await db
      .pool()
      .query(
        `SELECT detail FROM audit_log WHERE action LIKE '%/DisableUser' AND target = 'users/dis' ORDER BY id LIMIT 1`,
      );
    expect(audit.rows[0].detail).toMatchObject({ reason: "left the company", revoked_sessions: 1 });
    await h.client.enableUser({ username: "dis" }, admin);
    const again = (await h.client.login({ username: "dis", password })).tokens!;
    expect((await h.client.whoAmI({}, h.as(again.accessToken))).principal?.username).toBe("dis");
  });

  it("disables a Keycloak user even though its token stays valid", async () => {
    const token = await h.keycloak.mint({ username: "kc-dis", realmRoles: ["guardian-admin"] });
    await h.client.whoAmI({}, h.as(token));
    await h.client.disableUser({ username: "kc-dis" }, admin);
    expect((await failureOf(h.client.whoAmI({}, h.as(token)))).code).toBe(Code.PermissionDenied);
  });

  it("refuses to disable the caller itself or an unknown user", async () => {
    expect((await failureOf(h.client.disableUser({ username: "admin" }, admin))).code).toBe(
      Code.FailedPrecondition,
    );
    expect((await failureOf(h.client.disableUser({ username: "ghost" }, admin))).code).toBe(
      Code.NotFound,
    );
  });
});

describe("SetPassword", () => {
  it("resets a local user's password and revokes its sessions", async () => {
    await h.client.createUser({ username: "reset", password }, admin);
    const pair = (await h.client.login({ username: "reset", password })).tokens!;
    await h.client.setPassword({ username: "reset", newPassword: "the brand new password" }, admin);
    expect((await failureOf(h.client.refresh({ refreshToken: pair.refreshToken }))).code).toBe(
      Code.Unauthenticated,
    );
    expect((await failureOf(h.client.login({ username: "reset", password }))).code).toBe(
      Code.Unauthenticated,
    );
    await h.client.login({ username: "reset", password: "the brand new password" });
  });

  it("refuses Keycloak users and weak passwords", async () => {
    expect(
      (
        await failureOf(
          h.client.setPassword(
            { username: "kcuser", newPassword: "the brand new password" },
            admin,
          ),
        )
      ).code,
    ).toBe(Code.FailedPrecondition);
    expect(
      (await failureOf(h.client.setPassword({ username: "reset", newPassword: "short" }, admin)))
        .code,
    ).toBe(Code.InvalidArgument);
  });
});
