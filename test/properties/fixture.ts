import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import {
  ApiKeyScope,
  AuthService,
  ClusterService,
  ConfigService,
  GlobalRole,
  Role,
  SchemaService,
  StoreService,
  WebhookService,
} from "@guardian/api";
import { bootstrapPassword, startDev, stopGuardian, type RunningGuardian } from "@guardian/testkit";

/** The names the fixture creates; bad requests address them or names that exist nowhere. */
export const names = {
  project: "props-main",
  schema: "props",
  key: "app/settings",
  viewer: "props-viewer",
  lock: "props-lock",
  apiKey: "props-reader",
} as const;

/** Connect clients of every public service, each call sent as the fixture's operator. */
export interface Clients {
  auth: Client<typeof AuthService>;
  config: Client<typeof ConfigService>;
  webhooks: Client<typeof WebhookService>;
  schema: Client<typeof SchemaService>;
  cluster: Client<typeof ClusterService>;
  store: Client<typeof StoreService>;
}

/** A running `guardian dev` holding the fixture's objects, and an operator allowed every RPC. */
export interface PropsServer {
  url: string;
  /** The operator's headers: a local user with the global roles admin and internal. */
  headers: Record<string, string>;
  clients: Clients;
  close(): Promise<void>;
}

// Limits far above what the properties send (format of deploy/ratelimit/limits.yaml).
const generousLimits = `domain: guardian
descriptors:
  - key: user
    rate_limit: { unit: second, requests_per_unit: 100000 }
  - key: api_key
    rate_limit: { unit: second, requests_per_unit: 100000 }
  - key: remote_address
    rate_limit: { unit: second, requests_per_unit: 100000 }
`;

/**
 * Starts the real `guardian dev` process and, as the bootstrap admin, creates the operator
 * (global admin and internal, so that no bad request is refused for want of a role), project
 * props-main with a schema, a config, a viewer binding and a read API key, and a held lock.
 */
export async function startPropsServer(): Promise<PropsServer> {
  const dir = await mkdtemp(join(tmpdir(), "guardian-props-"));
  let running: RunningGuardian | undefined;
  const close = async () => {
    if (running) await stopGuardian(running);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const limitsFile = join(dir, "limits.yaml");
    await writeFile(limitsFile, generousLimits);
    running = await startDev(join(dir, "data"), {
      GUARDIAN_RATELIMIT_CONFIG: limitsFile,
      GUARDIAN_AUTH_FAILURE_LIMIT: "1000000",
    });
    const transport = createConnectTransport({ baseUrl: running.url, httpVersion: "1.1" });
    const auth = createClient(AuthService, transport);
    const admin = await auth.login({
      username: "admin",
      password: bootstrapPassword(running.output()),
    });
    const asAdmin = { headers: { authorization: `Bearer ${admin.tokens!.accessToken}` } };
    const operator = { username: "props-operator", password: "props-operator-password-1" };
    await auth.createUser(
      { ...operator, globalRoles: [GlobalRole.ADMIN, GlobalRole.INTERNAL] },
      asAdmin,
    );
    const session = await auth.login(operator);
    const headers = { authorization: `Bearer ${session.tokens!.accessToken}` };
    const clients = clientsFor(running.url, headers);
    await populate(clients);
    return { url: running.url, headers, clients, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function clientsFor(url: string, headers: Record<string, string>): Clients {
  const transport = createConnectTransport({
    baseUrl: url,
    httpVersion: "1.1",
    interceptors: [
      (next) => (req) => {
        for (const [name, value] of Object.entries(headers)) req.header.set(name, value);
        return next(req);
      },
    ],
  });
  return {
    auth: createClient(AuthService, transport),
    config: createClient(ConfigService, transport),
    webhooks: createClient(WebhookService, transport),
    schema: createClient(SchemaService, transport),
    cluster: createClient(ClusterService, transport),
    store: createClient(StoreService, transport),
  };
}

async function populate(c: Clients): Promise<void> {
  const { project } = names;
  await c.config.createProject({ project, description: "bad input target" });
  await c.schema.createSchema({ project, name: names.schema, content: { type: "object" } });
  await c.config.createConfig({
    project,
    key: names.key,
    schema: names.schema,
    content: fromJson(ValueSchema, { enabled: true, level: 3 }),
    labels: { team: "props" },
  });
  await c.auth.createUser({ username: names.viewer, password: "props-viewer-password-1" });
  await c.auth.grantRole({ project, username: names.viewer, role: Role.VIEWER });
  await c.auth.createApiKey({ project, name: names.apiKey, scope: ApiKeyScope.READ });
  await c.cluster.acquireLock({ name: names.lock, ttl: { seconds: 3600n }, owner: "props" });
}
