import type { HandlerContext } from "@connectrpc/connect";
import {
  AuthService,
  ClusterService,
  ConfigService,
  SchemaService,
  StoreService,
} from "@guardian/api";
import {
  createHealth,
  createLogger,
  createMetrics,
  createServer,
  principalOf,
  type Principal,
  type Server,
} from "@guardian/kit";
import type pg from "pg";
import { createAuthz, type Authz } from "../authz.js";
import type { AuthSettings } from "../settings.js";

/** Response header carrying the principal a handler saw, as JSON. */
export const principalHeader = "x-test-principal";

function echo(ctx: HandlerContext): void {
  ctx.responseHeader.set(principalHeader, JSON.stringify(principalOf(ctx)));
}

/** Reads the principal a handler saw from the response headers of a call. */
export function principalFrom(header: Headers | undefined): Principal | undefined {
  const text = header?.get(principalHeader);
  return text ? (JSON.parse(text) as Principal) : undefined;
}

/** The services the echo server stands in for, by the name of their test client. */
export const echoServices = {
  config: ConfigService,
  schema: SchemaService,
  auth: AuthService,
  cluster: ClusterService,
  store: StoreService,
} as const;

/** A server with the RBAC interceptor in front of handlers that only echo the principal. */
export interface EchoServer {
  url: string;
  authz: Authz;
  server: Server;
  close(): Promise<void>;
}

/**
 * Starts kit's server on port 0 with the auth interceptor and one representative RPC (or a
 * few) of every permission, each handled by a stub that reports the principal it saw. It
 * tests the interceptor alone; the real services have their own tests.
 */
export async function startEchoServer(
  pool: pg.Pool,
  settings: AuthSettings,
  opts: { trustedProxyHops?: number } = {},
): Promise<EchoServer> {
  const authz = createAuthz({ pool, settings });
  const server = createServer({
    logger: createLogger({ level: "silent" }),
    health: createHealth(),
    metrics: createMetrics({ defaultMetrics: false }),
    interceptors: [authz.interceptor],
    admit: authz.admit,
    trustedProxyHops: opts.trustedProxyHops ?? 0,
    routes(router) {
      router.service(ConfigService, {
        getConfig: (_req, ctx) => (echo(ctx), {}),
        listConfigs: (_req, ctx) => (echo(ctx), {}),
        updateConfig: (_req, ctx) => (echo(ctx), {}),
        createConfig: (_req, ctx) => (echo(ctx), {}),
        createProject: (_req, ctx) => (echo(ctx), {}),
        listProjects: (_req, ctx) => (echo(ctx), {}),
        async *watch(_req, ctx) {
          echo(ctx);
          yield {};
        },
      });
      router.service(SchemaService, { createSchema: (_req, ctx) => (echo(ctx), {}) });
      router.service(AuthService, {
        whoAmI: (_req, ctx) => (echo(ctx), {}),
        login: (_req, ctx) => (echo(ctx), {}),
        listUsers: (_req, ctx) => (echo(ctx), {}),
      });
      router.service(ClusterService, {
        acquireLock: (_req, ctx) => (echo(ctx), {}),
        listMembers: (_req, ctx) => (echo(ctx), {}),
      });
      router.service(StoreService, { get: (_req, ctx) => (echo(ctx), {}) });
    },
  });
  const { url } = await server.listen();
  return { url, authz, server, close: () => server.close() };
}
