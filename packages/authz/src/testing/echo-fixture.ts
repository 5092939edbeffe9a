import { ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import {
  AuthService,
  ClusterService,
  ConfigService,
  SchemaService,
  StoreService,
} from "@guardian/api";
import type { Principal } from "@guardian/kit";
import { useTestDatabase, type TestDatabase } from "@guardian/testkit";
import { exportJWK, generateKeyPair, type CryptoKey } from "jose";
import { afterAll, beforeAll } from "vitest";
import { generateApiKeySecret, hashApiKeySecret } from "../credentials/api-key-secret.js";
import { principalFrom, startEchoServer, type EchoServer } from "./echo-server.js";
import { startTestIssuer, testAuthSettings, type TestIssuer } from "./test-issuer.js";

/** The built-in issuer URL of the echo fixture. */
export const echoIssuerUrl = "http://guardian.test";

/** Everything a test of the interceptor needs; filled in by the fixture's beforeAll. */
export interface EchoFixture {
  db: TestDatabase;
  keycloak: TestIssuer;
  /** An identity provider the server does not trust. */
  stranger: TestIssuer;
  server: EchoServer;
  config: Client<typeof ConfigService>;
  schema: Client<typeof SchemaService>;
  auth: Client<typeof AuthService>;
  cluster: Client<typeof ClusterService>;
  store: Client<typeof StoreService>;
  /** A built-in signing key stored in `signing_keys`, to sign built-in tokens by hand. */
  builtInKey: { kid: string; privateKey: CryptoKey };
}

/** Call options with a bearer token. */
export function bearer(token: string): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${token}` } };
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

/**
 * Registers hooks that start, per test file, a cloned database with projects `payments` and
 * `billing`, a trusted and an untrusted test Keycloak, a built-in signing key and the echo
 * server, and returns the fixture (usable from the tests on).
 */
export function useEchoFixture(): EchoFixture {
  const db = useTestDatabase();
  const f = { db } as EchoFixture;
  beforeAll(async () => {
    const pool = db.pool();
    // The database is dropped WITH (FORCE) after the file; a connection still closing then
    // reports "terminating connection", which is expected.
    pool.on("error", () => {});
    await pool.query(
      `INSERT INTO projects (name, created_by) VALUES ('payments', 'test'), ('billing', 'test')`,
    );
    f.keycloak = await startTestIssuer();
    f.stranger = await startTestIssuer("other");
    f.server = await startEchoServer(
      pool,
      testAuthSettings({ GUARDIAN_ISSUER_URL: echoIssuerUrl }, f.keycloak),
    );
    const transport = createConnectTransport({ baseUrl: f.server.url, httpVersion: "1.1" });
    f.config = createClient(ConfigService, transport);
    f.schema = createClient(SchemaService, transport);
    f.auth = createClient(AuthService, transport);
    f.cluster = createClient(ClusterService, transport);
    f.store = createClient(StoreService, transport);
    const pair = await generateKeyPair("ES256", { extractable: true });
    f.builtInKey = { kid: "test-key-1", privateKey: pair.privateKey };
    await pool.query(
      `INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk) VALUES ($1, 'ES256', $2, 'plain:{}')`,
      [f.builtInKey.kid, JSON.stringify(await exportJWK(pair.publicKey))],
    );
  });
  afterAll(async () => {
    await f.server?.close();
    await f.keycloak?.close();
    await f.stranger?.close();
  });
  return f;
}

/** Mints a Keycloak token for a user with the given realm roles. */
export function token(
  f: EchoFixture,
  username: string,
  realmRoles: string[] = [],
): Promise<string> {
  return f.keycloak.mint({ username, realmRoles, email: `${username}@example.com` });
}

/** Records a Keycloak user (by calling WhoAmI) and binds a project role to it. */
export async function bind(
  f: EchoFixture,
  username: string,
  project: string,
  role: string,
): Promise<void> {
  await f.auth.whoAmI({}, bearer(await token(f, username)));
  await f.db.pool().query(
    `INSERT INTO role_bindings (project, issuer, subject, role, created_by)
     SELECT $2, issuer, subject, $3, 'test' FROM users WHERE username = $1
     ON CONFLICT (project, issuer, subject) DO UPDATE SET role = EXCLUDED.role`,
    [username, project, role],
  );
  f.server.authz.accounts.invalidate();
}

/** Inserts an API key and returns its id and the headers that present it. */
export async function createKey(
  f: EchoFixture,
  opts: { scope: "read" | "read_write"; prefix?: string; project?: string; expires?: string },
): Promise<{ id: string; headers: Record<string, string> }> {
  const id = `ak_${Math.random().toString(16).slice(2, 14).padEnd(12, "0")}`;
  const secret = generateApiKeySecret(id);
  await f.db.pool().query(
    `INSERT INTO api_keys (lookup, project, name, scope, key_prefix, secret_hash, expires_at, created_by)
     VALUES ($1, $2, $1, $3, $4, $5, $6, 'test')`,
    [
      id,
      opts.project ?? "payments",
      opts.scope,
      opts.prefix ?? "",
      hashApiKeySecret(secret),
      opts.expires ?? null,
    ],
  );
  return { id, headers: { "x-api-key": secret } };
}
