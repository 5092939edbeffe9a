import { randomBytes } from "node:crypto";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService, ClusterService, ConfigService } from "@guardian/api";
import { useTestDatabase, type TestDatabase } from "@guardian/testkit";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { afterAll, beforeAll } from "vitest";
import { localIssuer } from "../sql/users.js";
import { generateApiKeySecret, hashApiKeySecret } from "../credentials/api-key-secret.js";
import { startStreamServer, type StreamServer } from "./stream-server.js";
export { follow, within, type Followed } from "./follow-stream.js";
import { startTestIssuer, testAuthSettings, type TestIssuer } from "./test-issuer.js";

/** The built-in issuer URL of the stream fixture. */
export const streamIssuerUrl = "http://guardian.streams.test";

/** What a test of open streams needs; filled in by the fixture's beforeAll. */
export interface StreamFixture {
  db: TestDatabase;
  keycloak: TestIssuer;
  server: StreamServer;
  config: Client<typeof ConfigService>;
  cluster: Client<typeof ClusterService>;
  auth: Client<typeof AuthService>;
  builtInKey: { kid: string; privateKey: CryptoKey };
}

/**
 * Registers hooks that start, per test file, a cloned database with project `payments`, a
 * trusted test Keycloak, a built-in signing key and the stream server, with gRPC clients.
 */
export function useStreamFixture(): StreamFixture {
  const db = useTestDatabase();
  const f = { db } as StreamFixture;
  beforeAll(async () => {
    const pool = db.pool();
    pool.on("error", () => {});
    await pool.query(`INSERT INTO projects (name, created_by) VALUES ('payments', 'test')`);
    f.keycloak = await startTestIssuer();
    f.server = await startStreamServer(
      pool,
      testAuthSettings({ GUARDIAN_ISSUER_URL: streamIssuerUrl }, f.keycloak),
    );
    const transport = createGrpcTransport({ baseUrl: f.server.url });
    f.config = createClient(ConfigService, transport);
    f.cluster = createClient(ClusterService, transport);
    f.auth = createClient(AuthService, transport);
    const pair = await generateKeyPair("ES256", { extractable: true });
    f.builtInKey = { kid: "stream-key-1", privateKey: pair.privateKey };
    await pool.query(
      `INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk) VALUES ($1, 'ES256', $2, 'plain:{}')`,
      [f.builtInKey.kid, JSON.stringify(await exportJWK(pair.publicKey))],
    );
  });
  afterAll(async () => {
    await f.server?.close();
    await f.keycloak?.close();
  });
  return f;
}

let counter = 0;
const unique = (prefix: string) => `${prefix}${process.pid}x${++counter}`;

/** Inserts an API key of `payments` and returns its id, secret and headers. */
export async function insertKey(
  f: StreamFixture,
  expiresAt: Date | null = null,
): Promise<{ id: string; secret: string; headers: Record<string, string> }> {
  const id = `ak_${randomBytes(6).toString("hex")}`;
  const secret = generateApiKeySecret(id);
  await f.db.pool().query(
    `INSERT INTO api_keys (lookup, project, name, scope, secret_hash, expires_at, created_by)
     VALUES ($1, 'payments', $1, 'read', $2, $3, 'test')`,
    [id, hashApiKeySecret(secret), expiresAt],
  );
  return { id, secret, headers: { "x-api-key": secret } };
}

/** Inserts a local user with global roles and signs a built-in token for it. */
export async function localUser(
  f: StreamFixture,
  globalRoles: string[],
  expiresInSec = 300,
): Promise<{ subject: string; headers: Record<string, string>; exp: number }> {
  const subject = unique("local-");
  await f.db
    .pool()
    .query(`INSERT INTO users (issuer, subject, username, global_roles) VALUES ($1, $2, $2, $3)`, [
      localIssuer,
      subject,
      globalRoles,
    ]);
  const exp = Math.floor(Date.now() / 1000) + expiresInSec;
  const token = await new SignJWT({ typ: "Bearer", preferred_username: subject })
    .setProtectedHeader({ alg: "ES256", kid: f.builtInKey.kid, typ: "JWT" })
    .setIssuer(streamIssuerUrl)
    .setSubject(subject)
    .setAudience("guardian")
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(f.builtInKey.privateKey);
  return { subject, headers: { authorization: `Bearer ${token}` }, exp };
}

/** Mints a Keycloak token for a new user, records the user and binds it on `payments`. */
export async function keycloakViewer(
  f: StreamFixture,
  expiresInSec = 300,
): Promise<{ username: string; headers: Record<string, string>; exp: number }> {
  const username = unique("kc-");
  const exp = Math.floor(Date.now() / 1000) + expiresInSec;
  const token = await f.keycloak.mint({ username, claims: { exp } });
  const headers = { authorization: `Bearer ${token}` };
  await f.auth.whoAmI({}, { headers });
  await f.db.pool().query(
    `INSERT INTO role_bindings (project, issuer, subject, role, created_by)
     SELECT 'payments', issuer, subject, 'viewer', 'test' FROM users WHERE username = $1`,
    [username],
  );
  return { username, headers, exp };
}
