import { createClient, type CallOptions, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AuthService, ConfigService, SchemaService } from "@guardian/api";

/** Connect clients acting as the bootstrap admin, to set up fixtures beside the browser. */
export interface AdminClients {
  readonly config: Client<typeof ConfigService>;
  readonly schema: Client<typeof SchemaService>;
  /** The call options that carry the admin's access token. */
  readonly asAdmin: CallOptions;
}

/** Signs in as `admin` (AuthService/Login) on `url` and returns clients with the token. */
export async function adminClients(url: string, password: string): Promise<AdminClients> {
  const transport = createConnectTransport({ baseUrl: url, httpVersion: "1.1" });
  const login = await createClient(AuthService, transport).login({ username: "admin", password });
  const token = login.tokens?.accessToken;
  if (token === undefined) throw new Error("login answered without tokens");
  return {
    config: createClient(ConfigService, transport),
    schema: createClient(SchemaService, transport),
    asAdmin: { headers: { authorization: `Bearer ${token}` } },
  };
}
