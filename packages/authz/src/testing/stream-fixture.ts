import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService, ClusterService, ConfigService } from "@guardian/api";
import { beforeAll } from "vitest";
import { localIssuer } from "../sql/users.js";
import { bindRole, signBuiltIn, useHarness, type Harness } from "./harness.js";
import { startStreamServer, type StreamServer } from "./stream-server.js";

/** The built-in issuer URL of the stream fixture. */
const streamIssuerUrl = "http://guardian.streams.test";

/** The harness of the stream server, with gRPC clients of the services it stands in for. */
export type StreamFixture = Harness<StreamServer> & {
  config: Client<typeof ConfigService>;
  cluster: Client<typeof ClusterService>;
  auth: Client<typeof AuthService>;
};

/**
 * Registers the harness of the stream server (project `payments`) and its gRPC clients, per
 * test file, and returns it (usable from the tests on).
 */
export function useStreamFixture(): StreamFixture {
  const f = useHarness({
    issuerUrl: streamIssuerUrl,
    projects: ["payments"],
    start: startStreamServer,
  }) as StreamFixture;
  beforeAll(() => {
    const transport = createGrpcTransport({ baseUrl: f.server.url });
    f.config = createClient(ConfigService, transport);
    f.cluster = createClient(ClusterService, transport);
    f.auth = createClient(AuthService, transport);
  });
  return f;
}

let counter = 0;
const unique = (prefix: string) => `${prefix}${process.pid}x${++counter}`;

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
  const token = await signBuiltIn(f, { sub: subject, preferred_username: subject, exp });
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
  await bindRole(f, username, "payments", "viewer");
  return { username, headers, exp };
}
