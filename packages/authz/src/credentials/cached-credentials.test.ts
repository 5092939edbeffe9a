import { Code, ConnectError } from "@connectrpc/connect";
import { failureOf, startTcpProxy } from "@guardian/testkit";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { revokeApiKey, rotateApiKeySecret } from "../sql/api-keys.js";
import { deleteBinding } from "../sql/role-bindings.js";
import { insertLocalUser, setUserDisabled } from "../sql/users.js";
import { startAuthProcess, type AuthProcess } from "../testing/auth-process.js";
import { bindRole, createKey, signBuiltIn, useHarness } from "../testing/harness.js";
import { testAuthSettings } from "../testing/test-issuer.js";
import { generateApiKeySecret, hashApiKeySecret } from "./api-key-secret.js";

const h = useHarness({
  issuerUrl: "http://guardian.test",
  projects: ["payments"],
  start: () => Promise.resolve({ close: () => Promise.resolve() }),
});

const started: AuthProcess[] = [];
afterAll(async () => {
  for (const p of started) {
    await p.close();
    await p.pool.end();
  }
});

/** Starts a server process of its own: its own pool and its own LISTEN connection. */
async function spawn(env: Record<string, string> = {}, listenUrl?: string): Promise<AuthProcess> {
  const p = startAuthProcess({
    pool: new pg.Pool({ connectionString: h.db.url(), max: 2 }),
    settings: testAuthSettings({ GUARDIAN_ISSUER_URL: h.issuerUrl, ...env }, h.keycloak),
    source: { listenUrl: listenUrl ?? h.db.url() },
  });
  p.pool.on("error", () => {});
  started.push(p);
  await p.live();
  return p;
}

/** The code and message of a refused authentication. */
async function refusal(p: AuthProcess, headers: Record<string, string>) {
  const err = ConnectError.from(await failureOf(p.authenticate(headers)));
  return { code: err.code, message: err.rawMessage };
}

let users = 0;
/** Records a local user with a viewer binding on `payments` and signs it a token. */
async function localViewer(p: AuthProcess, expiresInSec = 60) {
  const username = `user${++users}`;
  const user = await insertLocalUser(p.pool, {
    username,
    passwordHash: "x",
    displayName: "",
    email: "",
    globalRoles: [],
    serviceAccount: false,
  });
  await bindRole(h, username, "payments", "viewer");
  const token = await signBuiltIn(h, { sub: user.subject }, expiresInSec);
  return { user, headers: { authorization: `Bearer ${token}` } };
}

describe("cached credentials (PostgreSQL)", () => {
  it("answers an API key verified once from memory, with no query", async () => {
    const p = await spawn();
    const key = await createKey(h);
    expect((await p.authenticate(key.headers)).principal.apiKey?.id).toBe(key.id);
    await new Promise((r) => setTimeout(r, 100)); // the batched last_used_at write
    p.resetQueries();
    for (let i = 0; i < 50; i++) await p.authenticate(key.headers);
    expect(p.queries()).toBe(0);
  });

  it("answers a bearer token verified once with no query and no signature check", async () => {
    const p = await spawn();
    const { headers } = await localViewer(p);
    await p.authenticate(headers);
    await new Promise((r) => setTimeout(r, 100));
    let verified = 0;
    const verify = p.authz.verifier.verify.bind(p.authz.verifier);
    p.authz.verifier.verify = (token) => (verified++, verify(token));
    p.resetQueries();
    const again = await p.authenticate(headers);
    expect(again.principal.projectRoles).toEqual({ payments: "viewer" });
    expect(p.queries()).toBe(0);
    expect(verified).toBe(0);
  });

  it("refuses a key revoked by another process once the notification arrives", async () => {
    const [a, b] = [await spawn(), await spawn()];
    const key = await createKey(h);
    await a.authenticate(key.headers);
    const before = a.authz.accessChanges.generation();
    await revokeApiKey(b.pool, "payments", key.id);
    await expect.poll(() => a.authz.accessChanges.generation()).toBeGreaterThan(before);
    expect(await refusal(a, key.headers)).toEqual({
      code: Code.Unauthenticated,
      message: "API key has been revoked",
    });
  });

  it("applies a change the same process reports after committing it to the very next call", async () => {
    const p = await spawn();
    const key = await createKey(h);
    await p.authenticate(key.headers);
    await revokeApiKey(p.pool, "payments", key.id);
    p.authz.accessChanges.changed();
    expect((await refusal(p, key.headers)).message).toBe("API key has been revoked");

    const { user, headers } = await localViewer(p);
    await p.authenticate(headers);
    await deleteBinding(p.pool, "payments", user);
    p.authz.accounts.invalidate(user);
    expect((await p.authenticate(headers)).principal.projectRoles).toEqual({});
    await setUserDisabled(p.pool, user.id, true);
    p.authz.accounts.invalidate(user);
    expect((await p.authenticate(headers)).disabled).toBe(true);
  });

  it("keeps a rotated-out secret only until its grace period ends", async () => {
    const p = await spawn();
    const key = await createKey(h);
    await p.authenticate(key.headers);
    const next = generateApiKeySecret(key.id);
    await rotateApiKeySecret(p.pool, "payments", key.id, {
      hash: hashApiKeySecret(next),
      hint: "",
      graceMs: 1_000,
    });
    p.authz.accessChanges.changed();
    const graced = await p.authenticate(key.headers);
    const ends = graced.principal.expiresAt!.getTime();
    expect(ends - Date.now()).toBeLessThanOrEqual(1_000);
    await new Promise((r) => setTimeout(r, ends - Date.now() + 20));
    expect((await refusal(p, key.headers)).message).toBe("invalid API key");
    expect((await p.authenticate({ "x-api-key": next })).principal.apiKey?.id).toBe(key.id);
  });

  it("honours an API key's expiry and a token's exp on cached credentials", async () => {
    const p = await spawn({ GUARDIAN_CLOCK_TOLERANCE: "0s" });
    const key = await createKey(h, { expiresAt: new Date(Date.now() + 1_000) });
    const { headers } = await localViewer(p, 2);
    await p.authenticate(key.headers);
    await p.authenticate(headers);
    await new Promise((r) => setTimeout(r, 1_050));
    expect((await refusal(p, key.headers)).message).toBe("API key has expired");
    await new Promise((r) => setTimeout(r, 1_000));
    const expired = await refusal(p, headers);
    expect(expired.code).toBe(Code.Unauthenticated);
    expect(expired.message).toContain("expired");
  });

  it("bypasses the cache while its LISTEN connection is lost, and uses it again once back", async () => {
    const proxy = await startTcpProxy(h.db.url());
    const p = await spawn({}, proxy.url);
    try {
      const key = await createKey(h);
      await p.authenticate(key.headers);
      proxy.cut();
      await expect.poll(() => p.authz.accessChanges.live()).toBe(false);
      p.resetQueries();
      await p.authenticate(key.headers);
      await p.authenticate(key.headers);
      expect(p.queries()).toBe(2);
      proxy.restore();
      await p.live();
      await p.authenticate(key.headers);
      p.resetQueries();
      await p.authenticate(key.headers);
      expect(p.queries()).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it("accepts a key created right after its secret was refused", async () => {
    const p = await spawn();
    const id = "ak_00000000cafe";
    const secret = generateApiKeySecret(id);
    expect((await refusal(p, { "x-api-key": secret })).message).toBe("invalid API key");
    await h.db.pool().query(
      `INSERT INTO api_keys (lookup, project, name, scope, key_prefix, secret_hash, secret_hint, created_by)
       VALUES ($1, 'payments', $1, 'read', '', $2, '', 'test')`,
      [id, hashApiKeySecret(secret)],
    );
    expect((await p.authenticate({ "x-api-key": secret })).principal.apiKey?.id).toBe(id);
  });

  it("writes last_used_at in one batch, at most once a minute", async () => {
    const [a, b] = [await spawn(), await spawn()];
    const key = await createKey(h);
    const usedAt = async () =>
      (
        await h.db.pool().query<{ age: number | null }>(
          `SELECT extract(epoch FROM now() - last_used_at)::float8 AS age
             FROM api_keys WHERE lookup = $1`,
          [key.id],
        )
      ).rows[0]!.age;
    for (let i = 0; i < 20; i++) await a.authenticate(key.headers);
    await expect.poll(usedAt).not.toBeNull();
    await h.db
      .pool()
      .query(`UPDATE api_keys SET last_used_at = now() - interval '30 seconds' WHERE lookup = $1`, [
        key.id,
      ]);
    a.resetQueries();
    b.resetQueries();
    for (let i = 0; i < 20; i++) await a.authenticate(key.headers);
    await b.authenticate(key.headers);
    await new Promise((r) => setTimeout(r, 100));
    expect(a.queries()).toBe(0);
    // Another process writes its first use, which PostgreSQL skips within the minute.
    expect(await usedAt()).toBeGreaterThan(25);
    await h.db
      .pool()
      .query(`UPDATE api_keys SET last_used_at = now() - interval '2 minutes' WHERE lookup = $1`, [
        key.id,
      ]);
    const c = await spawn();
    await c.authenticate(key.headers);
    await expect.poll(usedAt).toBeLessThan(10);
  });
});
