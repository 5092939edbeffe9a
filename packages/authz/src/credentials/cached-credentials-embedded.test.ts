import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { openEmbeddedDatabase, type EmbeddedDatabase } from "@guardian/db";
import { failureOf, makeTempDir, removeTempDir } from "@guardian/testkit";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertApiKey, revokeApiKey } from "../sql/api-keys.js";
import { deleteBinding, upsertBinding } from "../sql/role-bindings.js";
import { insertLocalUser, setUserDisabled } from "../sql/users.js";
import { startAuthProcess, type AuthProcess } from "../testing/auth-process.js";
import { testAuthSettings } from "../testing/test-issuer.js";
import { generateApiKeySecret, hashApiKeySecret } from "./api-key-secret.js";

const issuerUrl = "http://guardian.test";
let dir: string;
let db: EmbeddedDatabase;
let p: AuthProcess;
let sign: (sub: string, expiresInSec?: number) => Promise<string>;

beforeAll(async () => {
  dir = await makeTempDir("creds");
  db = await openEmbeddedDatabase({ dataDir: join(dir, "pgdata") });
  await db.pool.query(`INSERT INTO projects (name, created_by) VALUES ('payments', 'test')`);
  const pair = await generateKeyPair("ES256", { extractable: true });
  await db.pool.query(
    `INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk) VALUES ('k1', 'ES256', $1, 'plain:{}')`,
    [JSON.stringify(await exportJWK(pair.publicKey))],
  );
  sign = (sub, expiresInSec = 60) =>
    new SignJWT({ typ: "Bearer" })
      .setProtectedHeader({ alg: "ES256", kid: "k1", typ: "JWT" })
      .setIssuer(issuerUrl)
      .setSubject(sub)
      .setAudience("guardian")
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSec)
      .sign(pair.privateKey);
  p = startAuthProcess({
    pool: db.pool,
    settings: testAuthSettings({ GUARDIAN_ISSUER_URL: issuerUrl }),
    source: { embedded: true },
  });
  await p.live();
}, 60_000);

afterAll(async () => {
  await p?.close();
  await db?.close();
  if (dir) await removeTempDir(dir);
});

let keys = 0;
async function createKey(expiresAt?: Date) {
  const id = `ak_${(++keys).toString(16).padStart(12, "0")}`;
  const secret = generateApiKeySecret(id);
  await insertApiKey(db.pool, {
    id,
    project: "payments",
    name: id,
    scope: "read",
    keyPrefix: "",
    secretHash: hashApiKeySecret(secret),
    secretHint: "",
    ...(expiresAt ? { expiresAt } : {}),
    createdBy: "test",
  });
  return { id, headers: { "x-api-key": secret } };
}

let users = 0;
async function viewer() {
  const user = await insertLocalUser(db.pool, {
    username: `user${++users}`,
    passwordHash: "x",
    displayName: "",
    email: "",
    globalRoles: [],
    serviceAccount: false,
  });
  await upsertBinding(db.pool, { ...user, project: "payments", role: "viewer", createdBy: "t" });
  return { user, headers: { authorization: `Bearer ${await sign(user.subject)}` } };
}

async function refusal(headers: Record<string, string>) {
  const err = ConnectError.from(await failureOf(p.authenticate(headers)));
  return { code: err.code, message: err.rawMessage };
}

describe("cached credentials (embedded PGlite)", () => {
  it("answers verified API keys and tokens from memory, with no query", async () => {
    const key = await createKey();
    const { headers } = await viewer();
    await p.authenticate(key.headers);
    await p.authenticate(headers);
    await new Promise((r) => setTimeout(r, 100)); // the batched usage writes
    p.resetQueries();
    for (let i = 0; i < 20; i++) {
      await p.authenticate(key.headers);
      expect((await p.authenticate(headers)).principal.projectRoles).toEqual({
        payments: "viewer",
      });
    }
    expect(p.queries()).toBe(0);
  });

  it("hears a change committed through the process's pool before the statement returns", async () => {
    const key = await createKey();
    await p.authenticate(key.headers);
    await revokeApiKey(db.pool, "payments", key.id);
    expect(await refusal(key.headers)).toEqual({
      code: Code.Unauthenticated,
      message: "API key has been revoked",
    });
    const { user, headers } = await viewer();
    await p.authenticate(headers);
    await deleteBinding(db.pool, "payments", user);
    expect((await p.authenticate(headers)).principal.projectRoles).toEqual({});
    await setUserDisabled(db.pool, user.id, true);
    expect((await p.authenticate(headers)).disabled).toBe(true);
  });

  it("refuses a cached API key once it expires", async () => {
    const key = await createKey(new Date(Date.now() + 500));
    await p.authenticate(key.headers);
    await new Promise((r) => setTimeout(r, 550));
    expect((await refusal(key.headers)).message).toBe("API key has expired");
  });

  it("writes last_used_at once, in the background, however often the key is used", async () => {
    const key = await createKey();
    p.resetQueries();
    await p.authenticate(key.headers);
    const verifying = p.queries();
    for (let i = 0; i < 20; i++) await p.authenticate(key.headers);
    expect(p.queries()).toBe(verifying);
    await expect.poll(() => p.queries()).toBe(verifying + 1);
    const row = await db.pool.query(`SELECT last_used_at FROM api_keys WHERE lookup = $1`, [
      key.id,
    ]);
    expect(row.rows[0].last_used_at).toBeInstanceOf(Date);
  });
});
