import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { AuthService, ClusterService, ConfigService, SchemaService } from "@guardian/api";

/** The generated clients of every service the console uses, on one transport. */
export interface Clients {
  readonly auth: Client<typeof AuthService>;
  readonly config: Client<typeof ConfigService>;
  readonly schema: Client<typeof SchemaService>;
  readonly cluster: Client<typeof ClusterService>;
}

/**
 * Creates the console's clients over Connect-Web on the page's own origin (the API and the
 * console are served from the same origin, by `guardian dev` or behind the gateway).
 */
export function createClients(interceptors: Interceptor[] = []): Clients {
  const transport = createConnectTransport({
    baseUrl: window.location.origin,
    interceptors,
  });
  return {
    auth: createClient(AuthService, transport),
    config: createClient(ConfigService, transport),
    schema: createClient(SchemaService, transport),
    cluster: createClient(ClusterService, transport),
  };
}
