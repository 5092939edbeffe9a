import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService, ConfigService, SchemaService } from "@guardian/api";
import { hashPassword } from "@guardian/auth-service";
import { migrate } from "@guardian/db";
import { databaseUrl, dropDatabase, failureOf, randomDatabaseName } from "@guardian/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startGuardian, stopGuardian, type RunningGuardian } from "@guardian/testkit";

/** Polls `check` every 100 ms until it returns a value, for at most `ms`. */
async function eventually<T>(check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("production mode: the store process dies while calls are in flight", () => {
  const { adminUrl } = inject("postgres");
  const name = randomDatabaseName();
  const url = databaseUrl(adminUrl, name);
  const env = {
    DATABASE_URL: url,
    GUARDIAN_LOG_LEVEL: "info",
    GUARDIAN_STORE_ENGINE: "sql",
    GUARDIAN_PAGE_TOKEN_SECRET: "page token secret shared by both processes",
  };
  const running: RunningGuardian[] = [];
  let db: pg.Client;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    await migrate({ databaseUrl: url });
    db = new pg.Client({ connectionString: url });
    await db.connect();
    await db.query(
      `INSERT INTO users (issuer, subject, username, password_hash, global_roles)
       VALUES ('guardian', 'ops', 'ops', $1, ARRAY['admin'])`,
      [await hashPassword("correct horse battery")],
    );
  });

  afterAll(async () => {
    for (const r of running) {
      if (r.child.exitCode === null && r.child.signalCode === null) await stopGuardian(r);
    }
    await db?.end();
    await dropDatabase(adminUrl, name);
  });

  /** A store process and an API process that reaches it, signed in as the admin. */
  async function startStack(apiEnv: Record<string, string> = {}) {
    const store = await startGuardian(["serve", "store"], env);
    running.push(store);
    const api = await startGuardian(["serve", "auth", "config", "schema"], {
      ...env,
      ...apiEnv,
      GUARDIAN_STORE_URL: store.url,
    });
    running.push(api);
    const transport = createGrpcTransport({ baseUrl: api.url });
    const login = await createClient(AuthService, transport).login({
      username: "ops",
      password: "correct horse battery",
    });
    const headers = { authorization: `Bearer ${login.tokens!.accessToken}` };
    const config = createClient(ConfigService, transport);
    const schema = createClient(SchemaService, transport);
    return { store, api, headers, config, schema };
  }

  it("answers Unavailable (never Aborted or Canceled), says a write's outcome is unknown, and the sweep settles its audit event", async () => {
    const { store, api, headers, config, schema } = await startStack({
      GUARDIAN_AUDIT_SWEEP_INTERVAL: "200ms",
      GUARDIAN_AUDIT_PENDING_TIMEOUT: "2s",
    });
    const project = `death-${randomDatabaseName().slice(2, 10)}`;
    await config.createProject({ project }, { headers });
    await schema.createSchema({ project, name: "any", content: {} }, { headers });
    const content = fromJson(ValueSchema, { a: 1 });
    const first = await config.createConfig(
      { project, key: "k", schema: "any", content },
      { headers },
    );

    // A watch that is open when the store goes away.
    const watch = config.watch({ project }, { headers })[Symbol.asyncIterator]();
    expect((await watch.next()).value?.kind.case).toBe("bookmark");
    const watchEnd = (async () => {
      for (;;) if ((await watch.next()).done) throw new Error("the watch ended without an error");
    })();
    watchEnd.catch(() => {}); // awaited below, once the store is gone

    // Freeze the store so the calls below stay in flight, then kill it under them.
    process.kill(store.child.pid!, "SIGSTOP");
    const create = failureOf(
      config.createConfig(
        { project, key: "new", schema: "any", content },
        { headers: { ...headers, "x-request-id": "death-create" } },
      ),
    );
    const update = failureOf(
      config.updateConfig(
        { project, key: "k", content, expectedVersion: first.config!.version },
        { headers: { ...headers, "x-request-id": "death-update" } },
      ),
    );
    // Both audit events are written just before each call reaches the store.
    await eventually(async () => {
      const res = await db.query(
        "SELECT 1 FROM audit_log WHERE request_id IN ('death-create', 'death-update') AND result = 'pending'",
      );
      return res.rowCount === 2 ? true : undefined;
    });
    // Margin for the remaining database reads of the handlers before their store call.
    await new Promise((r) => setTimeout(r, 1_000));
    process.kill(store.child.pid!, "SIGKILL");

    const created = await create;
    expect(created.code, created.message).toBe(Code.Unavailable);
    expect(created.rawMessage).toContain("outcome is unknown");
    const updated = await update;
    expect(updated.code, updated.message).toBe(Code.Unavailable);
    const ended = await failureOf(watchEnd);
    expect(ended.code, ended.message).toBe(Code.Unavailable);

    // A store comes back; the sweep finds that the cut-off create never committed.
    const again = await startGuardian(["serve", "store"], {
      ...env,
      GUARDIAN_PORT: new URL(store.url).port,
    });
    running.push(again);
    const settled = await eventually(async () => {
      const res = await db.query<{ result: string; error_code: string; detail: object }>(
        "SELECT result, error_code, detail FROM audit_log WHERE request_id = 'death-create'",
      );
      const row = res.rows[0];
      return row && row.result !== "pending" ? row : undefined;
    });
    expect(settled).toMatchObject({
      result: "failed",
      error_code: "unavailable",
      detail: { outcome: "not_written", settled_by: "audit_sweep" },
    });
    const read = await failureOf(config.getConfig({ project, key: "new" }, { headers }));
    expect(read.code).toBe(Code.NotFound);
    expect(await stopGuardian(api)).toBe(0);
    expect(await stopGuardian(again)).toBe(0);
  }, 120_000);
  it("answers Unavailable for reads and schema calls that reach the store, the read cache's included", async () => {
    const { store, api, headers, config, schema } = await startStack();
    const content = fromJson(ValueSchema, { a: 1 });
    // Projects the read cache has not loaded yet: a read must fetch them from the store.
    const projects: string[] = [];
    for (let i = 0; i < 3; i++) {
      const project = `cold${i}-${randomDatabaseName().slice(2, 8)}`;
      projects.push(project);
      await config.createProject({ project }, { headers });
      await schema.createSchema({ project, name: "any", content: {} }, { headers });
      await schema.createSchema({ project, name: "unused", content: {} }, { headers });
      await config.createConfig({ project, key: "k", schema: "any", content }, { headers });
    }
    const [p0, p1, p2] = projects as [string, string, string];

    process.kill(store.child.pid!, "SIGSTOP");
    const calls = {
      "ReadConfig, project not cached": config.readConfig({ project: p0, key: "k" }, { headers }),
      "GetConfig, project not cached": config.getConfig({ project: p1, key: "k" }, { headers }),
      "ReadConfig past the cache": config.readConfig(
        { project: p2, key: "k", minRevision: 1_000_000n },
        { headers },
      ),
      "GetConfig at a revision": config.getConfig(
        { project: p2, key: "k", revision: 1n },
        { headers },
      ),
      ListConfigs: config.listConfigs({ project: p2 }, { headers }),
      DeleteSchema: schema.deleteSchema({ project: p2, name: "unused" }, { headers }),
      DryRunSchemaVersion: schema.dryRunSchemaVersion(
        { project: p2, name: "any", content: { type: "object" } },
        { headers },
      ),
    };
    const failures = Object.entries(calls).map(
      async ([call, p]) => [call, await failureOf(p)] as const,
    );
    // Let every call reach the frozen store, then kill it under them.
    await new Promise((r) => setTimeout(r, 1_500));
    process.kill(store.child.pid!, "SIGKILL");
    for (const [call, err] of await Promise.all(failures)) {
      expect(`${call}: ${Code[err.code]}`, err.message).toBe(`${call}: Unavailable`);
    }
    expect(await stopGuardian(api)).toBe(0);
  }, 120_000);
});
