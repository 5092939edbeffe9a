import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { AuthService, ClusterService, ConfigService, SchemaService } from "@guardian/api";

/** Clients of a running Guardian that act as one signed-in user, for test fixtures. */
export interface FixtureClients {
  readonly auth: Client<typeof AuthService>;
  readonly config: Client<typeof ConfigService>;
  readonly schema: Client<typeof SchemaService>;
  readonly cluster: Client<typeof ClusterService>;
}

/**
 * Signs `username` in at the built-in issuer (AuthService/Login) and returns Connect clients
 * that send its access token. The console's tests make their setup through these, over the
 * same Connect protocol the browser uses.
 */
export async function signInClients(
  baseUrl: string,
  username: string,
  password: string,
): Promise<FixtureClients> {
  const anonymous = createClient(AuthService, createConnectTransport({ baseUrl }));
  const { tokens } = await anonymous.login({ username, password });
  const token = tokens?.accessToken ?? "";
  const bearer: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
  const transport = createConnectTransport({ baseUrl, interceptors: [bearer] });
  return {
    auth: createClient(AuthService, transport),
    config: createClient(ConfigService, transport),
    schema: createClient(SchemaService, transport),
    cluster: createClient(ClusterService, transport),
  };
}
