import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { beforeAll } from "vitest";
import { echoServices, startEchoServer, type EchoServer } from "./echo-server.js";
import { bearer, bindRole, useHarness, type Harness } from "./harness.js";

/** The built-in issuer URL of the echo fixture. */
const echoIssuerUrl = "http://guardian.test";

/** The harness of the echo server, with a Connect client of every service it stands in for. */
export type EchoFixture = Harness<EchoServer> & {
  [K in keyof typeof echoServices]: Client<(typeof echoServices)[K]>;
};

/**
 * Registers the harness of the echo server (projects `payments` and `billing`) and its
 * clients, per test file, and returns it (usable from the tests on).
 */
export function useEchoFixture(): EchoFixture {
  const f = useHarness({
    issuerUrl: echoIssuerUrl,
    projects: ["payments", "billing"],
    start: startEchoServer,
  }) as EchoFixture;
  beforeAll(() => {
    const transport = createConnectTransport({ baseUrl: f.server.url, httpVersion: "1.1" });
    for (const [name, service] of Object.entries(echoServices)) {
      Object.assign(f, { [name]: createClient(service, transport) });
    }
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
  await bindRole(f, username, project, role);
  f.server.authz.accounts.invalidate();
}
