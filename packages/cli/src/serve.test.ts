import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { fromJson, toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import {
  AuthService,
  ClusterService,
  ConfigService,
  SchemaService,
  VersionConflictSchema,
} from "@guardian/api";
import { hashPassword } from "@guardian/auth-service";
import { databaseUrl, dropDatabase, randomDatabaseName } from "@guardian/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runGuardian, startGuardian, stopGuardian, type RunningGuardian } from "@guardian/testkit";

describe("production mode: guardian migrate and guardian serve on PostgreSQL and etcd", () => {
  const { adminUrl } = inject("postgres");
  const name = randomDatabaseName();
  const url = databaseUrl(adminUrl, name);
  const env = () => ({
    DATABASE_URL: url,
    GUARDIAN_LOG_LEVEL: "info",
    GUARDIAN_STORE_ENGINE: "etcd",
    GUARDIAN_PAGE_TOKEN_SECRET: "page token secret shared by both processes",
    ETCD_ENDPOINTS: inject("etcd").endpoints.join(","),
  });
  let store: RunningGuardian | undefined;
  let api: RunningGuardian | undefined;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
  });

  afterAll(async () => {
    if (api) await stopGuardian(api);
    if (store) await stopGuardian(store);
    await dropDatabase(adminUrl, name);
  });

  it("refuses to start without DATABASE_URL, naming the variable", async () => {
    const r = await runGuardian(["serve", "config"], { DATABASE_URL: "" });
    expect(r.code).toBe(2);
    expect(r.output).toContain("DATABASE_URL");
  });

  it("refuses to start without a page token secret of 32 characters, naming the variable", async () => {
    for (const secret of ["", "too short"]) {
      const r = await runGuardian(["serve", "config"], {
        ...env(),
        GUARDIAN_PAGE_TOKEN_SECRET: secret,
      });
      expect(r.code).toBe(2);
      expect(r.output).toContain("GUARDIAN_PAGE_TOKEN_SECRET");
      expect(r.output).not.toContain("too short");
    }
  });

  it("migrates an empty database once, then finds nothing to do", async () => {
    const first = await runGuardian(["migrate"], { DATABASE_URL: url });
    expect(first.code, first.output).toBe(0);
    expect(first.output).toMatch(/applied 0001_initial, 0002_sql_store/);
    const again = await runGuardian(["migrate"], { DATABASE_URL: url });
    expect(again.output).toContain("up to date");
  });

  it("serves configs from a store process on etcd to an API process, end to end", async () => {
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    await db.query(
      `INSERT INTO users (issuer, subject, username, password_hash, global_roles)
       VALUES ('guardian', 'ops', 'ops', $1, ARRAY['admin'])`,
      [await hashPassword("correct horse battery")],
    );
    await db.end();

    store = await startGuardian(["serve", "store"], env());
    api = await startGuardian(["serve", "auth", "config", "schema", "cluster"], {
      ...env(),
      GUARDIAN_STORE_URL: store.url,
    });
    const transport = createGrpcTransport({ baseUrl: api.url });
    const auth = createClient(AuthService, transport);
    const login = await auth.login({ username: "ops", password: "correct horse battery" });
    const headers = { authorization: `Bearer ${login.tokens!.accessToken}` };
    const config = createClient(ConfigService, transport);
    const project = `prod-${randomDatabaseName().slice(2, 10)}`;
    await config.createProject({ project }, { headers });
    await createClient(SchemaService, transport).createSchema(
      {
        project,
        name: "flags",
        content: { type: "object", properties: { beta: { type: "boolean" } } },
      },
      { headers },
    );
    const created = await config.createConfig(
      {
        project,
        key: "eu/flags",
        schema: "flags",
        content: fromJson(ValueSchema, { beta: false }),
      },
      { headers },
    );
    const ac = new AbortController();
    const events: bigint[] = [];
    const watching = (async () => {
      for await (const msg of config.watch(
        { project, startRevision: created.revision + 1n },
        { headers, signal: ac.signal },
      )) {
        if (msg.kind.case === "change") {
          events.push(msg.kind.value.revision);
          ac.abort();
        }
      }
    })().catch(() => {});
    const updated = await config.updateConfig(
      {
        project,
        key: "eu/flags",
        content: fromJson(ValueSchema, { beta: true }),
        expectedVersion: created.config!.version,
      },
      { headers },
    );
    await watching;
    expect(events).toEqual([updated.revision]);

    // A stale write crosses the hop to the store as Aborted with its VersionConflict detail.
    const stale = await config
      .updateConfig(
        {
          project,
          key: "eu/flags",
          content: fromJson(ValueSchema, { beta: false }),
          expectedVersion: created.config!.version,
        },
        { headers },
      )
      .then(
        () => undefined,
        (err: unknown) => ConnectError.from(err),
      );
    expect(stale?.code).toBe(Code.Aborted);
    expect(stale?.findDetails(VersionConflictSchema)[0]?.currentVersion).toBe(
      updated.config!.version,
    );
    const read = await config.getConfig(
      { project, key: "eu/flags", minRevision: updated.revision },
      { headers },
    );
    expect(toJson(ValueSchema, read.config!.content!)).toEqual({ beta: true });
    expect(read.revision).toBeGreaterThanOrEqual(updated.revision);

    // Pages cross the process boundary: the API process wraps the store process's token.
    await config.createConfig(
      { project, key: "eu/more", schema: "flags", content: fromJson(ValueSchema, {}) },
      { headers },
    );
    const page1 = await config.listConfigs({ project, pageSize: 1 }, { headers });
    const page2 = await config.listConfigs(
      { project, pageSize: 1, pageToken: page1.nextPageToken },
      { headers },
    );
    expect([...page1.configs, ...page2.configs].map((c) => c.key)).toEqual(["eu/flags", "eu/more"]);

    // An idempotent write repeated is answered as the first one, across the hop.
    const once = { project, key: "eu/once", schema: "flags", idempotencyKey: "serve-once" };
    const first = await config.createConfig(
      { ...once, content: fromJson(ValueSchema, {}) },
      { headers },
    );
    const again = await config.createConfig(
      { ...once, content: fromJson(ValueSchema, {}) },
      { headers },
    );
    expect(again.revision).toBe(first.revision);

    const members = await createClient(ClusterService, transport).listMembers({}, { headers });
    expect(members.members).toHaveLength(3);
    expect(members.members.filter((m) => m.isLeader)).toHaveLength(1);

    expect(await stopGuardian(api)).toBe(0);
    expect(await stopGuardian(store)).toBe(0);
    api = store = undefined;
  }, 90_000);
});
