import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { createClient, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ApiKeyScope, AuthService, ConfigService, Role, SchemaService } from "@guardian/api";
import { startTestIssuer, type TestIssuer } from "@guardian/authz";
import type { ModelPrincipal, ModelProjectRole } from "./access-model.js";
import { startDev, stopGuardian, type RunningGuardian } from "@guardian/testkit";

/** One caller of the matrix: its name, the headers it sends and what the rules know of it. */
export interface MatrixPrincipal {
  name: string;
  headers: Record<string, string>;
  model: ModelPrincipal;
}

/** A running `guardian dev` with project P, its users and keys, ready for the role matrix. */
export interface MatrixServer {
  url: string;
  transport: Transport;
  /** Project P, where the principals hold their roles and the API keys belong. */
  project: string;
  /** A project with the same bindings that only DeleteProject addresses (and cannot delete). */
  doomedProject: string;
  loginUser: string;
  loginPassword: string;
  principals: MatrixPrincipal[];
  /** One unspent refresh token of the login user per principal name. */
  refreshTokens: Map<string, string>;
  close(): Promise<void>;
}

const project = "matrix-main";
const doomedProject = "matrix-doomed";
const loginUser = "matrix-login";
const loginPassword = "matrix-login-password-1";

// Limits far above what the matrix sends, in the format of deploy/ratelimit/limits.yaml.
const generousLimits = `domain: guardian
descriptors:
  - key: user
    rate_limit: { unit: second, requests_per_unit: 100000 }
  - key: api_key
    rate_limit: { unit: second, requests_per_unit: 100000 }
  - key: remote_address
    rate_limit: { unit: second, requests_per_unit: 100000 }
`;

const bindings: Record<string, ModelProjectRole> = {
  "matrix-viewer": "viewer",
  "matrix-editor": "editor",
  "matrix-project-admin": "admin",
};

/**
 * Starts the real `guardian dev` process trusting a test Keycloak, then, as the bootstrap
 * admin: creates P and the doomed project, binds a viewer, an editor and a project admin
 * (Keycloak users, recorded by a first WhoAmI) on both, creates a read and a read_write API
 * key of P and a local login user. The global admin is a Keycloak user with the realm role
 * guardian-admin.
 */
export async function startMatrixServer(): Promise<MatrixServer> {
  const issuer = await startTestIssuer();
  const dataDir = await mkdtemp(join(tmpdir(), "guardian-matrix-"));
  let running: RunningGuardian | undefined;
  try {
    const limitsFile = join(dataDir, "limits.yaml");
    await writeFile(limitsFile, generousLimits);
    running = await startDev(join(dataDir, "data"), {
      KEYCLOAK_ISSUER_URL: issuer.issuer,
      KEYCLOAK_JWKS_URL: issuer.jwksUrl,
      KEYCLOAK_AUDIENCE: "guardian",
      GUARDIAN_RATELIMIT_CONFIG: limitsFile,
      // Every anonymous cell is a failed authentication from one address: no limit here.
      GUARDIAN_AUTH_FAILURE_LIMIT: "1000000",
    });
    const server = await populate(running, issuer);
    const r = running;
    return {
      ...server,
      async close() {
        await stopGuardian(r);
        await issuer.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (running) await stopGuardian(running);
    await issuer.close();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

async function populate(
  running: RunningGuardian,
  issuer: TestIssuer,
): Promise<Omit<MatrixServer, "close">> {
  const password = /user "admin", password "([^"]+)"/.exec(running.output())?.[1];
  if (password === undefined) throw new Error(`no admin password printed:\n${running.output()}`);
  const transport = createGrpcTransport({ baseUrl: running.url });
  const auth = createClient(AuthService, transport);
  const config = createClient(ConfigService, transport);
  const schema = createClient(SchemaService, transport);
  const login = await auth.login({ username: "admin", password });
  const asAdmin = { headers: { authorization: `Bearer ${login.tokens!.accessToken}` } };

  const bearer = async (username: string, realmRoles: string[] = []) => {
    const token = await issuer.mint({ username, realmRoles, expiresInSec: 900 });
    const headers = { authorization: `Bearer ${token}` };
    await auth.whoAmI({}, { headers }); // records the Keycloak user on first sight
    return headers;
  };
  const projectUsers = await Promise.all(
    Object.entries(bindings).map(async ([username, role]): Promise<MatrixPrincipal> => {
      return {
        name: role === "admin" ? "project admin" : role,
        headers: await bearer(username),
        model: {
          kind: "user",
          globalRoles: [],
          projectRoles: { [project]: role, [doomedProject]: role },
        },
      };
    }),
  );
  const globalAdmin: MatrixPrincipal = {
    name: "global admin",
    headers: await bearer("matrix-global-admin", ["guardian-admin"]),
    model: { kind: "user", globalRoles: ["admin"], projectRoles: {} },
  };

  const protoRole = { viewer: Role.VIEWER, editor: Role.EDITOR, admin: Role.ADMIN };
  for (const name of [project, doomedProject]) {
    await config.createProject({ project: name }, asAdmin);
    for (const [username, role] of Object.entries(bindings)) {
      await auth.grantRole({ project: name, username, role: protoRole[role] }, asAdmin);
    }
  }
  // A config in the doomed project makes DeleteProject without force fail even at its version.
  await schema.createSchema(
    { project: doomedProject, name: "matrix", content: { type: "object" } },
    asAdmin,
  );
  await config.createConfig(
    {
      project: doomedProject,
      key: "keep/me",
      schema: "matrix",
      content: fromJson(ValueSchema, { keep: true }),
    },
    asAdmin,
  );

  const apiKey = async (name: string, scope: "read" | "read_write"): Promise<MatrixPrincipal> => {
    const created = await auth.createApiKey(
      {
        project,
        name: `matrix-${scope}`,
        scope: scope === "read" ? ApiKeyScope.READ : ApiKeyScope.READ_WRITE,
      },
      asAdmin,
    );
    return {
      name,
      headers: { "x-api-key": created.secret },
      model: { kind: "api_key", project, scope },
    };
  };
  const principals: MatrixPrincipal[] = [
    { name: "anonymous", headers: {}, model: { kind: "anonymous" } },
    ...projectUsers,
    globalAdmin,
    await apiKey("read key", "read"),
    await apiKey("write key", "read_write"),
  ];

  await auth.createUser({ username: loginUser, password: loginPassword }, asAdmin);
  const refreshTokens = new Map<string, string>();
  for (const p of principals) {
    const session = await auth.login({ username: loginUser, password: loginPassword });
    refreshTokens.set(p.name, session.tokens!.refreshToken);
  }
  return {
    url: running.url,
    transport,
    project,
    doomedProject,
    loginUser,
    loginPassword,
    principals,
    refreshTokens,
  };
}
