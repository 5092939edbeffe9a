import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { localIssuer } from "../sql/users.js";
import { token, useEchoFixture } from "../testing/echo-fixture.js";
import { bearer, outcome, signBuiltIn } from "../testing/harness.js";

const f = useEchoFixture();

describe("auth interceptor: users", () => {
  it("records a Keycloak user on first sight and hands the handler its principal", async () => {
    const t = await f.keycloak.mint({
      username: "grace",
      email: "grace@example.com",
      givenName: "Grace",
      familyName: "Hopper",
      realmRoles: ["guardian-viewer"],
    });
    const res = await outcome((o) => f.auth.whoAmI({}, o), bearer(t).headers);
    expect(res.code).toBeUndefined();
    expect(res.principal).toMatchObject({
      kind: "user",
      name: "grace",
      issuer: f.keycloak.issuer,
      email: "grace@example.com",
      displayName: "Grace Hopper",
      globalRoles: ["viewer"],
    });
    const row = await f.db
      .pool()
      .query(
        `SELECT issuer, username, email, display_name, global_roles, last_seen_at FROM users WHERE username = 'grace'`,
      );
    expect(row.rows[0]).toMatchObject({
      issuer: f.keycloak.issuer,
      email: "grace@example.com",
      display_name: "Grace Hopper",
      global_roles: ["viewer"],
    });
    expect(row.rows[0].last_seen_at).toBeInstanceOf(Date);
  });

  it("maps client roles of the configured client, and only of that client", async () => {
    const t = await f.keycloak.mint({
      username: "cliff",
      clientRoles: { guardian: ["guardian-editor"], "other-app": ["guardian-admin"] },
    });
    const res = await outcome((o) => f.auth.whoAmI({}, o), bearer(t).headers);
    expect(res.principal?.globalRoles).toEqual(["editor"]);
  });

  it("writes last_seen_at at most once a minute", async () => {
    await f.auth.whoAmI({}, bearer(await token(f, "lin")));
    await f.db
      .pool()
      .query(
        `UPDATE users SET last_seen_at = now() - interval '30 seconds' WHERE username = 'lin'`,
      );
    f.server.authz.accounts.invalidate();
    await f.auth.whoAmI({}, bearer(await token(f, "lin")));
    const recent = await f.db
      .pool()
      .query(
        `SELECT now() - last_seen_at > interval '25 seconds' AS kept FROM users WHERE username = 'lin'`,
      );
    expect(recent.rows[0].kept).toBe(true);
    await f.db
      .pool()
      .query(`UPDATE users SET last_seen_at = now() - interval '2 minutes' WHERE username = 'lin'`);
    f.server.authz.accounts.invalidate();
    await f.auth.whoAmI({}, bearer(await token(f, "lin")));
    const touched = await f.db
      .pool()
      .query(
        `SELECT now() - last_seen_at < interval '10 seconds' AS fresh FROM users WHERE username = 'lin'`,
      );
    expect(touched.rows[0].fresh).toBe(true);
  });

  it("refuses a Keycloak user whose username belongs to a local user", async () => {
    await f.db
      .pool()
      .query(
        `INSERT INTO users (issuer, subject, username, password_hash) VALUES ($1, 'local-kim', 'kim', 'x')`,
        [localIssuer],
      );
    const res = await outcome((o) => f.auth.whoAmI({}, o), bearer(await token(f, "kim")).headers);
    expect(res.code).toBe(Code.PermissionDenied);
    expect(res.message).toContain('username "kim" belongs to another user');
  });

  it("denies a disabled user even with a valid token", async () => {
    await f.auth.whoAmI({}, bearer(await token(f, "dora", ["guardian-admin"])));
    await f.db.pool().query(`UPDATE users SET disabled = true WHERE username = 'dora'`);
    f.server.authz.accounts.invalidate();
    const res = await outcome(
      (o) => f.auth.whoAmI({}, o),
      bearer(await token(f, "dora", ["guardian-admin"])).headers,
    );
    expect(res.code).toBe(Code.PermissionDenied);
    expect(res.message).toBe("user is disabled");
  });

  it("verifies built-in tokens from signing_keys and takes local users' roles from the database", async () => {
    await f.db.pool().query(
      `INSERT INTO users (issuer, subject, username, password_hash, global_roles)
       VALUES ($1, 'sub-olga', 'olga', 'x', ARRAY['editor'])`,
      [localIssuer],
    );
    const t = await signBuiltIn(f, {
      sub: "sub-olga",
      preferred_username: "olga",
      realm_access: { roles: ["guardian-admin"] },
    });
    const res = await outcome(
      (o) => f.config.createProject({ project: "olgas" }, o),
      bearer(t).headers,
    );
    expect(res.code).toBeUndefined();
    expect(res.principal).toMatchObject({
      kind: "user",
      name: "olga",
      account: { issuer: localIssuer, subject: "sub-olga" },
      globalRoles: ["editor"],
    });
    const admin = await outcome((o) => f.auth.listUsers({}, o), bearer(t).headers);
    expect(admin.code).toBe(Code.PermissionDenied);
  });

  it("refuses built-in tokens issued in the future or living longer than the cap, as Keycloak's", async () => {
    const now = Math.floor(Date.now() / 1000);
    const sign = (iat: number, exp: number) =>
      signBuiltIn(f, { sub: "sub-olga", preferred_username: "olga", iat, exp });
    const cases: [string, string][] = [
      [await sign(now + 3600, now + 7200), "access token is issued in the future (iat)"],
      [
        await sign(now, now + 30 * 86_400),
        "access token lifetime (exp - iat) exceeds the 86400 s allowed",
      ],
    ];
    for (const [t, message] of cases) {
      const res = await outcome((o) => f.auth.whoAmI({}, o), bearer(t).headers);
      expect(res.code).toBe(Code.Unauthenticated);
      expect(res.message).toBe(message);
    }
  });
});
