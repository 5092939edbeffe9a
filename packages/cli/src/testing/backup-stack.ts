import { builtInTokens, createGuardianClient, type GuardianClient } from "@guardian/client";
import { hashPassword } from "@guardian/auth-service";
import { startGuardian, stopGuardian, type RunningGuardian } from "@guardian/testkit";
import pg from "pg";

/**
 * The environment of a production stack on `databaseUrl` and the etcd at `endpoints`, or on
 * the SQL store engine when `endpoints` is undefined.
 */
export function stackEnv(
  databaseUrl: string,
  endpoints: string[] | undefined,
): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    GUARDIAN_LOG_LEVEL: "info",
    GUARDIAN_PAGE_TOKEN_SECRET: "page token secret of the backup test stack",
    ...(endpoints
      ? { GUARDIAN_STORE_ENGINE: "etcd", ETCD_ENDPOINTS: endpoints.join(",") }
      : { GUARDIAN_STORE_ENGINE: "sql" }),
    // Few records per config, so the archiver trims etcd and history spans etcd and the archive.
    GUARDIAN_STORE_RETAIN_PER_CONFIG: "2",
  };
}

/** A running production stack: a store process and one process with the other services. */
export interface Stack {
  client: GuardianClient;
  url: string;
  stop(): Promise<void>;
}

/** Creates the first admin `ops` directly in the database (the stack's bootstrap). */
export async function createOps(databaseUrl: string, password: string): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO users (issuer, subject, username, password_hash, global_roles)
       VALUES ('guardian', 'ops', 'ops', $1, ARRAY['admin'])`,
      [await hashPassword(password)],
    );
  } finally {
    await db.end();
  }
}

/** Starts `guardian serve store` and `guardian serve auth config schema` and signs in as ops. */
export async function startStack(env: Record<string, string>, password: string): Promise<Stack> {
  const running: RunningGuardian[] = [];
  const stop = async () => {
    for (const r of running.reverse()) await stopGuardian(r);
  };
  try {
    const store = await startGuardian(["serve", "store"], env);
    running.push(store);
    const api = await startGuardian(["serve", "auth", "config", "schema"], {
      ...env,
      GUARDIAN_STORE_URL: store.url,
    });
    running.push(api);
    const tokens = builtInTokens({ baseUrl: api.url, username: "ops", password });
    return {
      client: createGuardianClient({ baseUrl: api.url, tokenProvider: tokens }),
      url: api.url,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Reads every page of a list call. */
export async function allPages<T>(
  read: (pageToken: string) => Promise<{ items: T[]; nextPageToken: string }>,
): Promise<T[]> {
  const items: T[] = [];
  let token = "";
  do {
    const page = await read(token);
    items.push(...page.items);
    token = page.nextPageToken;
  } while (token !== "");
  return items;
}

/**
 * Everything a user can read of some projects: users, and per project the configs (content,
 * version), every config's history (deleted configs too) and the diff from its first to its
 * last revision, every schema version, the role bindings and the API keys.
 */
export async function readEverything(
  c: GuardianClient,
  projects: { project: string; keys: string[]; schemas: string[] }[],
) {
  const users = await allPages(async (pageToken) => {
    const r = await c.auth.listUsers({ pageToken });
    return { items: r.users, nextPageToken: r.nextPageToken };
  });
  // Signing in to read moves the reader's last login; nothing else of a user may change.
  const out: Record<string, unknown> = {
    users: users.map((u) => ({ ...u, lastLoginTime: undefined })),
  };
  for (const { project, keys, schemas } of projects) {
    const configs = await allPages(async (pageToken) => {
      const r = await c.config.listConfigs({ project, includeContent: true, pageToken });
      return { items: r.configs, nextPageToken: r.nextPageToken };
    });
    const history: Record<string, unknown> = {};
    for (const key of keys) {
      const revisions = await allPages(async (pageToken) => {
        const r = await c.config.listRevisions({ project, key, pageToken });
        return { items: r.revisions, nextPageToken: r.nextPageToken };
      });
      const [first, last] = [revisions.at(-1)!.revision, revisions[0]!.revision];
      const diff = await c.config.diffRevisions({
        project,
        key,
        fromRevision: first,
        toRevision: last,
      });
      history[key] = { revisions, diff: diff.operations };
    }
    const versions: Record<string, unknown> = {};
    for (const name of schemas) {
      versions[name] = await allPages(async (pageToken) => {
        const r = await c.schema.listSchemaVersions({ project, name, pageToken });
        return { items: r.schemaVersions, nextPageToken: r.nextPageToken };
      });
    }
    const bindings = (await c.auth.listRoleBindings({ project })).bindings;
    const apiKeys = (await c.auth.listApiKeys({ project })).apiKeys;
    out[project] = { configs, history, versions, bindings, apiKeys };
  }
  return out;
}
