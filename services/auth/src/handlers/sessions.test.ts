import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { AuthService, GlobalRole, LimitExceededSchema, PrincipalKind } from "@guardian/api";
import { testAuthSettings } from "@guardian/authz";
import { createLogger } from "@guardian/kit";
import { useTestDatabase } from "@guardian/testkit";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createAuthSystem } from "../system.js";
import { codeOf, testIssuerUrl, useHarness } from "../testing/harness.js";

const db = useTestDatabase();
const h = useHarness(db, { env: { GUARDIAN_LOGIN_MAX_FAILURES: "3" } });
const password = "correct horse battery staple";

beforeAll(async () => {
  for (const [username, roles] of [
    ["ada", [GlobalRole.EDITOR]],
    ["bob", []],
    ["carl", []],
    ["dina", []],
    ["race-user", []],
    ["two-process-user", []],
    ["fold-i-user", []],
    ["kelvin", []],
  ] as const) {
    await h.client.createUser(
      {
        username,
        password,
        displayName: "Ada Lovelace",
        email: `${username}@example.com`,
        globalRoles: [...roles],
      },
      h.as(h.adminToken),
    );
  }
});

async function auditCount(where: string, params: unknown[] = []): Promise<number> {
  const res = await db
    .pool()
    .query(`SELECT count(*)::int AS n FROM audit_log WHERE ${where}`, params);
  return res.rows[0].n;
}

describe("Login", () => {
  it("returns a short-lived ES256 access token in Keycloak's claim shape and a refresh token", async () => {
    const res = await h.client.login({ username: "ada", password });
    const tokens = res.tokens!;
    expect(tokens.tokenType).toBe("Bearer");
    expect(tokens.refreshToken).toMatch(/^grt_[A-Za-z0-9_-]{43}$/);
    expect(Number(tokens.expiresIn!.seconds)).toBeGreaterThan(14 * 60);
    expect(Number(tokens.expiresIn!.seconds)).toBeLessThanOrEqual(15 * 60);
    const header = decodeProtectedHeader(tokens.accessToken);
    expect(header).toMatchObject({ alg: "ES256", typ: "JWT" });
    const claims = decodeJwt(tokens.accessToken);
    expect(claims).toMatchObject({
      iss: testIssuerUrl,
      aud: "guardian",
      typ: "Bearer",
      azp: "guardian",
      preferred_username: "ada",
      email: "ada@example.com",
      name: "Ada Lovelace",
      given_name: "Ada",
      family_name: "Lovelace",
      realm_access: { roles: ["guardian-editor"] },
    });
    expect(claims.sub).toBe(res.user!.subject);
    expect(typeof claims.jti).toBe("string");
    expect(claims.exp! - claims.iat!).toBe(15 * 60);
    expect(res.user).toMatchObject({ username: "ada", local: true, issuer: testIssuerUrl });
    expect(res.user!.lastLoginTime).toBeDefined();
  });

  it("gives one answer for an unknown user, a wrong password and a Keycloak user, and audits each", async () => {
    await h.client.whoAmI({}, h.as(await h.keycloak.mint({ username: "kc-user" })));
    const before = await auditCount(
      `action = 'guardian.auth.v1.AuthService/Login' AND result = 'denied'`,
    );
    for (const [username, pw] of [
      ["nobody", password],
      ["bob", "wrong password!!"],
      ["kc-user", password],
    ]) {
      const err = await h.client
        .login({ username, password: pw })
        .catch((e: unknown) => ConnectError.from(e));
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).code).toBe(Code.Unauthenticated);
      expect((err as ConnectError).rawMessage).toBe("invalid username or password");
    }
    expect(
      await auditCount(`action = 'guardian.auth.v1.AuthService/Login' AND result = 'denied'`),
    ).toBe(before + 3);
  });

  it("refuses a disabled user with PermissionDenied, but only after the right password", async () => {
    await h.client.disableUser({ username: "dina" }, h.as(h.adminToken));
    expect(await codeOf(h.client.login({ username: "dina", password: "not it at all" }))).toBe(
      Code.Unauthenticated,
    );
    expect(await codeOf(h.client.login({ username: "dina", password }))).toBe(
      Code.PermissionDenied,
    );
  });

  it("locks a username out with ResourceExhausted and retry_after after too many failures", async () => {
    for (let i = 0; i < 3; i++) {
      expect(await codeOf(h.client.login({ username: "carl", password: "wrong password!!" }))).toBe(
        Code.Unauthenticated,
      );
    }
    const err = ConnectError.from(
      await h.client.login({ username: "carl", password }).catch((e: unknown) => e),
    );
    expect(err.code).toBe(Code.ResourceExhausted);
    const [limit] = err.findDetails(LimitExceededSchema);
    expect(limit).toMatchObject({ limit: "rate:login", max: 3n });
    expect(Number(limit!.retryAfter!.seconds)).toBeGreaterThan(0);
  });
});

describe("Login lockout", () => {
  it("checks at most the limit of concurrent guesses: the rest are refused unchecked", async () => {
    const codes = await Promise.all(
      Array.from({ length: 30 }, () =>
        codeOf(h.client.login({ username: "race-user", password: "wrong password!!" })),
      ),
    );
    // Every checked guess answers Unauthenticated; refused ones never reach the hash.
    expect(codes.filter((c) => c === Code.Unauthenticated)).toHaveLength(3);
    expect(codes.filter((c) => c === Code.ResourceExhausted)).toHaveLength(27);
    // The checked guesses are audited as one row with a count, not one row each.
    await h.system.authz.failureAudit.flush();
    const rows = await db
      .pool()
      .query(`SELECT detail FROM audit_log WHERE target = 'users/race-user' AND result = 'denied'`);
    expect(rows.rows).toEqual([{ detail: expect.objectContaining({ count: 3 }) }]);
    expect(await codeOf(h.client.login({ username: "race-user", password }))).toBe(
      Code.ResourceExhausted,
    );
  });

  it("counts guesses in every process together: another process refuses the next one", async () => {
    // A second auth process of the same deployment (same database).
    const other = await createAuthSystem({
      pool: db.pool(),
      settings: testAuthSettings({ GUARDIAN_LOGIN_MAX_FAILURES: "3" }),
      logger: createLogger({ level: "silent" }),
    });
    try {
      const elsewhere = createClient(
        AuthService,
        createRouterTransport(other.authRoutes, {
          router: { interceptors: [other.interceptor] },
        }),
      );
      const wrong = { username: "two-process-user", password: "wrong password!!" };
      expect(await codeOf(h.client.login(wrong))).toBe(Code.Unauthenticated);
      expect(await codeOf(elsewhere.login(wrong))).toBe(Code.Unauthenticated);
      expect(await codeOf(h.client.login(wrong))).toBe(Code.Unauthenticated);
      // Three guesses made, in two processes: both refuse the right password now.
      expect(await codeOf(elsewhere.login({ username: "two-process-user", password }))).toBe(
        Code.ResourceExhausted,
      );
      expect(await codeOf(h.client.login({ username: "two-process-user", password }))).toBe(
        Code.ResourceExhausted,
      );
    } finally {
      await other.close();
    }
  });

  it("shares one lockout between every spelling of an account", async () => {
    for (let i = 0; i < 3; i++) {
      await codeOf(h.client.login({ username: "fold-i-user", password: "wrong password!!" }));
    }
    // The right password under other spellings: refused, never a way around the lockout.
    expect(await codeOf(h.client.login({ username: "FOLD-I-USER", password }))).toBe(
      Code.ResourceExhausted,
    );
    expect(await codeOf(h.client.login({ username: "Fold-I-User", password }))).toBe(
      Code.ResourceExhausted,
    );
    for (const spelling of ["fold-\u0130-user", "fold-\u0131-user", "fold-i\u0307-user"]) {
      expect(await codeOf(h.client.login({ username: spelling, password }))).not.toBeUndefined();
    }
  });

  it("resolves names by one canonical form: ASCII case folds, no other character does", async () => {
    expect((await h.client.login({ username: "KELVIN", password })).user?.username).toBe("kelvin");
    // U+212A KELVIN SIGN lower-cases to "k" in JavaScript and in some database locales.
    const err = ConnectError.from(
      await h.client.login({ username: "\u212Aelvin", password }).catch((e: unknown) => e),
    );
    expect(err.code).toBe(Code.Unauthenticated);
    expect(err.rawMessage).toBe("invalid username or password");
  });
});

describe("Refresh", () => {
  it("rotates: each refresh token works once and yields a new working pair", async () => {
    const first = (await h.client.login({ username: "bob", password })).tokens!;
    const second = (await h.client.refresh({ refreshToken: first.refreshToken })).tokens!;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshExpireTime).toEqual(first.refreshExpireTime);
    const me = await h.client.whoAmI({}, h.as(second.accessToken));
    expect(me.principal?.username).toBe("bob");
    const third = (await h.client.refresh({ refreshToken: second.refreshToken })).tokens!;
    expect(third.refreshToken).not.toBe(second.refreshToken);
  });

  it("revokes the whole session when a spent refresh token is reused, and audits it", async () => {
    const first = (await h.client.login({ username: "bob", password })).tokens!;
    const second = (await h.client.refresh({ refreshToken: first.refreshToken })).tokens!;
    const reuse = ConnectError.from(
      await h.client.refresh({ refreshToken: first.refreshToken }).catch((e: unknown) => e),
    );
    expect(reuse.code).toBe(Code.Unauthenticated);
    expect(reuse.rawMessage).toContain("already used");
    // The legitimate holder's newer token is dead too: the family is revoked.
    const after = ConnectError.from(
      await h.client.refresh({ refreshToken: second.refreshToken }).catch((e: unknown) => e),
    );
    expect(after.code).toBe(Code.Unauthenticated);
    expect(after.rawMessage).toBe("session has been revoked");
    const rows = await db
      .pool()
      .query(
        `SELECT actor, result, detail FROM audit_log WHERE action = 'auth.refresh_token_reused' ORDER BY id DESC LIMIT 1`,
      );
    expect(rows.rows[0]).toMatchObject({
      actor: "bob",
      result: "denied",
      detail: { reason: "reuse detected" },
    });
  });

  it("rejects an unknown refresh token", async () => {
    expect(await codeOf(h.client.refresh({ refreshToken: "grt_nope" }))).toBe(Code.Unauthenticated);
    expect(await codeOf(h.client.refresh({ refreshToken: "" }))).toBe(Code.InvalidArgument);
  });

  it("rejects a session past its lifetime", async () => {
    const pair = (await h.client.login({ username: "bob", password })).tokens!;
    await db
      .pool()
      .query(
        `UPDATE auth_sessions SET expires_at = now() - interval '1 second' WHERE revoked_at IS NULL`,
      );
    const err = ConnectError.from(
      await h.client.refresh({ refreshToken: pair.refreshToken }).catch((e: unknown) => e),
    );
    expect(err.code).toBe(Code.Unauthenticated);
    expect(err.rawMessage).toBe("session has expired");
  });
});

describe("Logout", () => {
  it("revokes the session of a refresh token, and then accepts it again as a no-op", async () => {
    const pair = (await h.client.login({ username: "bob", password })).tokens!;
    const res = await h.client.logout({ refreshToken: pair.refreshToken }, h.as(pair.accessToken));
    expect(res.revokedSessions).toBe(1);
    expect(await codeOf(h.client.refresh({ refreshToken: pair.refreshToken }))).toBe(
      Code.Unauthenticated,
    );
    const again = await h.client.logout(
      { refreshToken: pair.refreshToken },
      h.as(pair.accessToken),
    );
    expect(again.revokedSessions).toBe(0);
    // Access tokens stay valid until they expire.
    expect((await h.client.whoAmI({}, h.as(pair.accessToken))).principal?.username).toBe("bob");
  });

  it("revokes every session with all_sessions", async () => {
    const a = (await h.client.login({ username: "ada", password })).tokens!;
    const b = (await h.client.login({ username: "ada", password })).tokens!;
    const res = await h.client.logout({ allSessions: true }, h.as(a.accessToken));
    expect(res.revokedSessions).toBeGreaterThanOrEqual(2);
    expect(await codeOf(h.client.refresh({ refreshToken: a.refreshToken }))).toBe(
      Code.Unauthenticated,
    );
    expect(await codeOf(h.client.refresh({ refreshToken: b.refreshToken }))).toBe(
      Code.Unauthenticated,
    );
  });

  it("refuses another user's refresh token and a request naming nothing", async () => {
    const bob = (await h.client.login({ username: "bob", password })).tokens!;
    const ada = (await h.client.login({ username: "ada", password })).tokens!;
    expect(
      await codeOf(h.client.logout({ refreshToken: bob.refreshToken }, h.as(ada.accessToken))),
    ).toBe(Code.PermissionDenied);
    expect(await codeOf(h.client.refresh({ refreshToken: bob.refreshToken }))).toBeUndefined();
    expect(await codeOf(h.client.logout({}, h.as(ada.accessToken)))).toBe(Code.InvalidArgument);
    expect(await codeOf(h.client.logout({ allSessions: true }))).toBe(Code.Unauthenticated);
  });
});

describe("WhoAmI", () => {
  it("describes a local user with its global roles", async () => {
    const pair = (await h.client.login({ username: "ada", password })).tokens!;
    const { principal } = await h.client.whoAmI({}, h.as(pair.accessToken));
    expect(principal).toMatchObject({
      kind: PrincipalKind.USER,
      actor: "ada",
      username: "ada",
      issuer: testIssuerUrl,
      email: "ada@example.com",
      globalRoles: [GlobalRole.EDITOR],
    });
    expect(principal?.expireTime).toBeDefined();
  });

  it("describes a Keycloak user with the roles of its token", async () => {
    const token = await h.keycloak.mint({ username: "kathy", realmRoles: ["guardian-viewer"] });
    const { principal } = await h.client.whoAmI({}, h.as(token));
    expect(principal).toMatchObject({
      kind: PrincipalKind.USER,
      username: "kathy",
      issuer: h.keycloak.issuer,
      globalRoles: [GlobalRole.VIEWER],
    });
  });
});

describe("ChangePassword", () => {
  it("revokes every session and returns a fresh pair; the new password signs in", async () => {
    await h.client.createUser({ username: "erin", password }, h.as(h.adminToken));
    const old = (await h.client.login({ username: "erin", password })).tokens!;
    const res = await h.client.changePassword(
      { currentPassword: password, newPassword: "an even better passphrase" },
      h.as(old.accessToken),
    );
    expect(await codeOf(h.client.refresh({ refreshToken: old.refreshToken }))).toBe(
      Code.Unauthenticated,
    );
    expect(
      await codeOf(h.client.refresh({ refreshToken: res.tokens!.refreshToken })),
    ).toBeUndefined();
    expect(await codeOf(h.client.login({ username: "erin", password }))).toBe(Code.Unauthenticated);
    expect(
      await codeOf(h.client.login({ username: "erin", password: "an even better passphrase" })),
    ).toBeUndefined();
  });

  it("checks the current password, the policy, and that the caller has a local password", async () => {
    const pair = (await h.client.login({ username: "ada", password })).tokens!;
    expect(
      await codeOf(
        h.client.changePassword(
          { currentPassword: "wrong one!!", newPassword: "long enough passphrase" },
          h.as(pair.accessToken),
        ),
      ),
    ).toBe(Code.Unauthenticated);
    expect(
      await codeOf(
        h.client.changePassword(
          { currentPassword: password, newPassword: "short" },
          h.as(pair.accessToken),
        ),
      ),
    ).toBe(Code.InvalidArgument);
    const kc = await h.keycloak.mint({ username: "kc-pw" });
    expect(
      await codeOf(
        h.client.changePassword(
          { currentPassword: "x", newPassword: "long enough passphrase" },
          h.as(kc),
        ),
      ),
    ).toBe(Code.FailedPrecondition);
  });
});
