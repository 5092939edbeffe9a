import { ConnectError, createClient, type Client, type Code } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AuthService } from "@guardian/api";
import { startTestIssuer, testAuthSettings, type TestIssuer } from "@guardian/authz";
import {
  createHealth,
  createLogger,
  createMetrics,
  createServer,
  type Server,
} from "@guardian/kit";
import type { TestDatabase } from "@guardian/testkit";
import type pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { ensureBootstrapAdmin } from "../bootstrap-admin.js";
import { createAuthSystem, type AuthSystem } from "../system.js";

/** The built-in issuer URL the harness uses. */
export const testIssuerUrl = "http://guardian.test";

/** A real server hosting AuthService behind the RBAC interceptor, for tests. */
export interface AuthHarness {
  url: string;
  server: Server;
  system: AuthSystem;
  /** A client without credentials; pass {@link AuthHarness.as} as call options. */
  client: Client<typeof AuthService>;
  /** A Keycloak stand-in the server trusts. */
  keycloak: TestIssuer;
  /** The bootstrap admin's access token (a local global admin). */
  adminToken: string;
  /** Call options carrying a bearer token or API key. */
  as(credential: string): { headers: Record<string, string> };
  close(): Promise<void>;
}

/**
 * Starts kit's server on port 0 with everything `createAuthSystem` returns, a trusted
 * test Keycloak, and a bootstrap admin signed in. `env` overrides auth settings.
 */
export async function startAuthHarness(
  pool: pg.Pool,
  env: Record<string, string> = {},
): Promise<AuthHarness> {
  const keycloak = await startTestIssuer();
  const settings = testAuthSettings({ GUARDIAN_ISSUER_URL: testIssuerUrl, ...env }, keycloak);
  const logger = createLogger({ level: "silent" });
  // Credentials are cached as in production: a LISTEN connection to the pool's database.
  const listenUrl = pool.options.connectionString;
  const system = await createAuthSystem({
    pool,
    settings,
    logger,
    ...(listenUrl ? { accessChanges: { listenUrl } } : {}),
  });
  const server = createServer({
    logger,
    health: createHealth(),
    metrics: createMetrics({ defaultMetrics: false }),
    interceptors: [system.interceptor],
    admit: system.admit,
    httpRoutes: system.httpRoutes,
    routes: system.authRoutes,
  });
  const { url } = await server.listen();
  const client = createClient(
    AuthService,
    createConnectTransport({ baseUrl: url, httpVersion: "1.1" }),
  );
  const bootstrap = await ensureBootstrapAdmin(pool);
  if (!bootstrap.created) throw new Error("the test database already has an admin");
  const login = await client.login({ username: "admin", password: bootstrap.password });
  const as = (credential: string): { headers: Record<string, string> } => ({
    headers: credential.startsWith("gdn_")
      ? { "x-api-key": credential }
      : { authorization: `Bearer ${credential}` },
  });
  return {
    url,
    server,
    system,
    client,
    keycloak,
    adminToken: login.tokens!.accessToken,
    as,
    async close() {
      await server.close();
      await system.close();
      await keycloak.close();
    },
  };
}

/** Creates a project row directly (the config service owns CreateProject). */
export async function seedProject(pool: pg.Pool, name: string): Promise<void> {
  await pool.query(`INSERT INTO projects (name, created_by) VALUES ($1, 'test')`, [name]);
}

/** An {@link AuthHarness} of one test file, with the bootstrap admin's call options. */
export type FileHarness = AuthHarness & {
  /** Call options of the bootstrap admin; the same object from the start, filled in later. */
  admin: { headers: Record<string, string> };
};

/**
 * Registers hooks that start the auth harness on the test file's database (with the given
 * projects seeded and `env` overriding auth settings) before its tests, and close it after.
 * Returns the harness, filled in from the tests on.
 */
export function useHarness(
  db: TestDatabase,
  opts: { env?: Record<string, string>; projects?: string[] } = {},
): FileHarness {
  const h = { admin: { headers: {} } } as FileHarness;
  let started: AuthHarness | undefined;
  beforeAll(async () => {
    db.pool().on("error", () => {}); // the database is dropped WITH (FORCE) after the file
    started = await startAuthHarness(db.pool(), opts.env);
    Object.assign(h, started);
    Object.assign(h.admin.headers, started.as(started.adminToken).headers);
    for (const name of opts.projects ?? []) await seedProject(db.pool(), name);
  });
  afterAll(async () => {
    await started?.close();
  });
  return h;
}

/** Returns the code a call failed with, or undefined when it succeeded. */
export async function codeOf(call: Promise<unknown>): Promise<Code | undefined> {
  return call.then(
    () => undefined,
    (e: unknown) => ConnectError.from(e).code,
  );
}
