import { randomBytes } from "node:crypto";
import { ConnectError } from "@connectrpc/connect";
import type { Principal } from "@guardian/kit";
import { useTestDatabase, type TestDatabase } from "@guardian/testkit";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from "jose";
import type pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { generateApiKeySecret, hashApiKeySecret } from "../credentials/api-key-secret.js";
import type { AuthSettings } from "../settings.js";
import { insertApiKey } from "../sql/api-keys.js";
import { upsertBinding } from "../sql/role-bindings.js";
import { selectUserByUsername } from "../sql/users.js";
import { principalFrom } from "./echo-server.js";
import { startTestIssuer, testAuthSettings, type TestIssuer } from "./test-issuer.js";

/** What every authz test server needs: a database, identity providers and a signing key. */
export interface Harness<S> {
  db: TestDatabase;
  /** The trusted test Keycloak. */
  keycloak: TestIssuer;
  /** An identity provider the server does not trust. */
  stranger: TestIssuer;
  /** The server under test. */
  server: S;
  /** The built-in issuer's URL (`iss` of built-in tokens). */
  issuerUrl: string;
  /** A built-in signing key stored in `signing_keys`, to sign built-in tokens by hand. */
  builtInKey: { kid: string; privateKey: CryptoKey };
}

/** Options of {@link useHarness}. */
export interface HarnessOptions<S> {
  /** The built-in issuer URL the server is configured with. */
  issuerUrl: string;
  /** Projects created before the server starts. */
  projects: string[];
  /** Starts the server under test. */
  start(pool: pg.Pool, settings: AuthSettings): Promise<S>;
}

/**
 * Registers hooks that start, per test file, a cloned database with the given projects, a
 * trusted and an untrusted test Keycloak, a built-in signing key and the server, and closes
 * them after the file. Returns the harness, filled in from the tests on.
 */
export function useHarness<S extends { close(): Promise<void> }>(
  opts: HarnessOptions<S>,
): Harness<S> {
  const db = useTestDatabase();
  const h = { db, issuerUrl: opts.issuerUrl } as Harness<S>;
  beforeAll(async () => {
    const pool = db.pool();
    // The database is dropped WITH (FORCE) after the file; a connection still closing then
    // reports "terminating connection", which is expected.
    pool.on("error", () => {});
    for (const name of opts.projects) {
      await pool.query(`INSERT INTO projects (name, created_by) VALUES ($1, 'test')`, [name]);
    }
    h.keycloak = await startTestIssuer();
    h.stranger = await startTestIssuer("other");
    h.server = await opts.start(
      pool,
      testAuthSettings({ GUARDIAN_ISSUER_URL: opts.issuerUrl }, h.keycloak),
    );
    const pair = await generateKeyPair("ES256", { extractable: true });
    h.builtInKey = { kid: "test-key-1", privateKey: pair.privateKey };
    await pool.query(
      `INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk) VALUES ($1, 'ES256', $2, 'plain:{}')`,
      [h.builtInKey.kid, JSON.stringify(await exportJWK(pair.publicKey))],
    );
  });
  afterAll(async () => {
    await h.server?.close();
    await h.keycloak?.close();
    await h.stranger?.close();
  });
  return h;
}

/** Call options with a bearer token. */
export function bearer(token: string): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${token}` } };
}

/**
 * Signs a built-in access token by hand with the harness's signing key: audience `guardian`,
 * issued now (or at `iat`) and expiring after `expiresInSec` (or at `exp`).
 */
export function signBuiltIn(
  h: Harness<unknown>,
  claims: JWTPayload & { sub: string; iat?: number; exp?: number },
  expiresInSec = 60,
): Promise<string> {
  const { sub, iat, exp, ...rest } = claims;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ typ: "Bearer", ...rest })
    .setProtectedHeader({ alg: "ES256", kid: h.builtInKey.kid, typ: "JWT" })
    .setIssuer(h.issuerUrl)
    .setSubject(sub)
    .setAudience("guardian")
    .setIssuedAt(iat ?? now)
    .setExpirationTime(exp ?? now + expiresInSec)
    .sign(h.builtInKey.privateKey);
}

/** The outcome of a call: its code (undefined on success), message and the handler's principal. */
export interface Outcome {
  code: number | undefined;
  message: string;
  principal: Principal | undefined;
}

/** Runs a call with the given headers and reports its {@link Outcome}. */
export async function outcome(
  run: (opts: {
    headers: Record<string, string>;
    onHeader: (h: Headers) => void;
  }) => Promise<unknown>,
  headers: Record<string, string>,
): Promise<Outcome> {
  let seen: Headers | undefined;
  try {
    await run({ headers, onHeader: (h) => (seen = h) });
    return { code: undefined, principal: principalFrom(seen), message: "" };
  } catch (err) {
    const e = ConnectError.from(err);
    return { code: e.code, principal: undefined, message: e.rawMessage };
  }
}

/** Binds a project role to a recorded user, replacing the role it held there. */
export async function bindRole(
  h: Harness<unknown>,
  username: string,
  project: string,
  role: string,
): Promise<void> {
  const user = await selectUserByUsername(h.db.pool(), username);
  if (!user) throw new Error(`no user "${username}" recorded`);
  await upsertBinding(h.db.pool(), {
    project,
    issuer: user.issuer,
    subject: user.subject,
    role,
    createdBy: "test",
  });
}

/** An API key a test created: its id, secret and the headers that present it. */
export interface TestKey {
  id: string;
  secret: string;
  headers: Record<string, string>;
}

/** Inserts an API key (read-only on `payments` unless told otherwise). */
export async function createKey(
  h: Harness<unknown>,
  opts: {
    scope?: "read" | "read_write";
    prefix?: string;
    project?: string;
    expiresAt?: Date | null;
  } = {},
): Promise<TestKey> {
  const id = `ak_${randomBytes(6).toString("hex")}`;
  const secret = generateApiKeySecret(id);
  await insertApiKey(h.db.pool(), {
    id,
    project: opts.project ?? "payments",
    name: id,
    scope: opts.scope ?? "read",
    keyPrefix: opts.prefix ?? "",
    secretHash: hashApiKeySecret(secret),
    secretHint: "",
    ...(opts.expiresAt ? { expiresAt: opts.expiresAt } : {}),
    createdBy: "test",
  });
  return { id, secret, headers: { "x-api-key": secret } };
}
