import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { ApiKeyScope, Role } from "@guardian/api";
import { createGuardianClient } from "@guardian/client";
import {
  databaseUrl,
  dropDatabase,
  makeTempDir,
  randomDatabaseName,
  removeTempDir,
  runGuardian,
  startEtcdCluster,
  waitFor,
  type EtcdCluster,
} from "@guardian/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  createOps,
  readEverything,
  stackEnv,
  startStack,
  type Stack,
} from "./testing/backup-stack.js";

const password = "backup test admin password";
/** A revision far above anything the source stack reaches. */
const ghostRevision = 1_000_000_000n;
const json = (v: unknown) => fromJson(ValueSchema, v as never);

/** The projects, config keys and schemas the test writes. */
const layout = [
  { project: "shop", keys: ["eu/flags", "us/flags", "retired"], schemas: ["flags"] },
  { project: "billing", keys: ["limits"], schemas: ["limits"] },
];

async function sql<T extends pg.QueryResultRow>(url: string, text: string, params: unknown[] = []) {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    return (await db.query<T>(text, params)).rows;
  } finally {
    await db.end();
  }
}

describe("guardian backup and guardian restore of a production stack", () => {
  const { adminUrl } = inject("postgres");
  const names = { source: randomDatabaseName(), target: randomDatabaseName() };
  const sourceUrl = databaseUrl(adminUrl, names.source);
  const targetUrl = databaseUrl(adminUrl, names.target);
  let sourceEtcd: EtcdCluster;
  let targetEtcd: EtcdCluster;
  let thirdEtcd: EtcdCluster | undefined;
  let dir: string;
  let stack: Stack | undefined;
  let before: Awaited<ReturnType<typeof readEverything>>;
  let apiKeySecret = "";
  let lastVersion = 0n;
  const file = () => join(dir, "stack.backup");
  const sourceEnv = () => stackEnv(sourceUrl, sourceEtcd.endpoints);
  const targetEnv = () => stackEnv(targetUrl, targetEtcd.endpoints);

  beforeAll(async () => {
    dir = await makeTempDir("backup");
    for (const name of Object.values(names)) await sql(adminUrl, `CREATE DATABASE ${name}`);
    [sourceEtcd, targetEtcd] = await Promise.all([
      startEtcdCluster({ size: 1 }),
      startEtcdCluster({ size: 3 }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([sourceEtcd?.stop(), targetEtcd?.stop(), thirdEtcd?.stop()]);
    for (const name of Object.values(names)) await dropDatabase(adminUrl, name);
    await removeTempDir(dir);
  }, 120_000);

  it("populates a stack: projects, schema versions, configs with history, keys, bindings, users", async () => {
    expect((await runGuardian(["migrate"], { DATABASE_URL: sourceUrl })).code).toBe(0);
    await createOps(sourceUrl, password);
    stack = await startStack(sourceEnv(), password);
    const { config, schema, auth } = stack.client;
    for (const { project } of layout) await config.createProject({ project });
    await schema.createSchema({
      project: "shop",
      name: "flags",
      content: { type: "object", properties: { beta: { type: "boolean" } } },
    });
    await schema.addSchemaVersion({
      project: "shop",
      name: "flags",
      content: { type: "object", properties: { beta: { type: "boolean" }, n: { type: "number" } } },
    });
    await schema.createSchema({ project: "billing", name: "limits", content: { type: "object" } });
    for (const key of ["eu/flags", "us/flags", "retired"]) {
      await config.createConfig({ project: "shop", key, schema: "flags", content: json({ n: 0 }) });
      for (let n = 1; n <= 4; n++) {
        await config.updateConfig({
          project: "shop",
          key,
          content: json({ n, beta: n % 2 === 0 }),
        });
      }
    }
    const history = await config.listRevisions({ project: "shop", key: "eu/flags" });
    const second = history.revisions.at(-2)!.revision;
    await config.rollbackConfig({ project: "shop", key: "eu/flags", toRevision: second });
    await config.deleteConfig({ project: "shop", key: "retired" });
    await config.createConfig({
      project: "billing",
      key: "limits",
      schema: "limits",
      content: json({ max: 1 }),
    });
    const last = await config.updateConfig({
      project: "billing",
      key: "limits",
      content: json({ max: 2 }),
    });
    lastVersion = last.config!.version;

    await auth.createUser({ username: "dana", password: "dana password 2026" });
    await auth.grantRole({ project: "shop", username: "dana", role: Role.EDITOR });
    await auth.grantRole({ project: "billing", username: "dana", role: Role.VIEWER });
    const key = await auth.createApiKey({
      project: "shop",
      name: "reader",
      scope: ApiKeyScope.READ,
    });
    apiKeySecret = key.secret;

    // Retention keeps two records per config: the older ones reach the archive and leave etcd.
    await waitFor(
      async () => {
        const [row] = await sql<{ n: number }>(
          sourceUrl,
          "SELECT count(*)::int AS n FROM revision_archive",
        );
        return row!.n >= 10 ? row : undefined;
      },
      { what: "the archiver to copy the older records", timeoutMs: 60_000 },
    );
    before = await readEverything(stack.client, layout);
  }, 240_000);

  it("writes a backup file whose manifest names the etcd revision and the table counts", async () => {
    // A record the archiver copied after the backup read etcd: left out, or the restored
    // archive would claim a revision the restored etcd never reached.
    await sql(
      sourceUrl,
      `INSERT INTO revision_archive (project, key, revision, create_revision, previous_revision,
         change_type, value, created_at)
       VALUES ('shop', 'later', $1, $1, 0, 'create', '\\x7b7d', now())`,
      [ghostRevision.toString()],
    );
    const r = await runGuardian(["backup", "--out", file()], sourceEnv());
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/wrote .*stack\.backup \(\d+ etcd keys at revision \d+/);
    const manifest = JSON.parse((await readFile(file(), "utf8")).split("\n")[0]!) as {
      format: string;
      etcd: { revision: string };
      tables: { name: string; rows: number }[];
    };
    expect(manifest.format).toBe("guardian-backup");
    expect(BigInt(manifest.etcd.revision)).toBeGreaterThanOrEqual(lastVersion);
    const rows = Object.fromEntries(manifest.tables.map((t) => [t.name, t.rows]));
    for (const table of ["users", "projects", "api_keys", "role_bindings", "schema_versions"]) {
      const [count] = await sql<{ n: number }>(
        sourceUrl,
        `SELECT count(*)::int AS n FROM ${table}`,
      );
      expect(rows[table], table).toBe(count!.n);
    }
    expect(rows["schema_versions"]).toBe(3);
    expect(rows["api_keys"]).toBe(1);
    const [archived] = await sql<{ n: number }>(
      sourceUrl,
      "SELECT count(*)::int AS n FROM revision_archive WHERE revision < $1",
      [ghostRevision.toString()],
    );
    expect(rows["revision_archive"]).toBe(archived!.n);
    await stack!.stop();
    stack = undefined;
  }, 240_000);

  it("refuses a corrupted backup and one of an unknown format version, restoring nothing", async () => {
    const text = await readFile(file(), "utf8");
    const cut = text.indexOf("\n") + 40;
    const flipped = `${text.slice(0, cut)}${text[cut] === "A" ? "B" : "A"}${text.slice(cut + 1)}`;
    await writeFile(join(dir, "corrupt.backup"), flipped);
    const corrupt = await runGuardian(
      ["restore", "--from", join(dir, "corrupt.backup")],
      targetEnv(),
    );
    expect(corrupt.code).toBe(1);
    expect(corrupt.output).toContain("guardian restore: the backup is corrupted");

    await writeFile(join(dir, "future.backup"), text.replace('"version":1,', '"version":99,'));
    const future = await runGuardian(
      ["restore", "--from", join(dir, "future.backup")],
      targetEnv(),
    );
    expect(future.code).toBe(1);
    expect(future.output).toContain("backup format version 99 is not supported");

    const migrated = await sql(targetUrl, "SELECT to_regclass('users') AS t");
    expect(migrated[0]).toEqual({ t: null });
  }, 120_000);

  it("restores into an empty stack (a fresh database and a fresh 3-member etcd) and reports counts", async () => {
    const r = await runGuardian(["restore", "--from", file()], targetEnv());
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/etcd: 3 configs, \d+ revision records/);
    expect(r.output).toMatch(/schema_versions: 3 rows/);
    const ghost = await sql(targetUrl, "SELECT key FROM revision_archive WHERE revision >= $1", [
      ghostRevision.toString(),
    ]);
    expect(ghost).toEqual([]);
  }, 240_000);

  it("refuses to restore into a stack that holds data unless forced", async () => {
    const again = await runGuardian(["restore", "--from", file()], targetEnv());
    expect(again.code).toBe(1);
    expect(again.output).toMatch(/the target is not empty \(.*users.*etcd keys under \/guardian\//);
    expect(again.output).toContain("--force");
  });

  it("serves every config, revision, diff, schema version, binding, user and API key again", async () => {
    stack = await startStack(targetEnv(), password);
    expect(await readEverything(stack.client, layout)).toEqual(before);

    const reader = createGuardianClient({ baseUrl: stack.url, apiKey: apiKeySecret });
    const read = await reader.config.getConfig({ project: "shop", key: "us/flags" });
    const asOps = await stack.client.config.getConfig({ project: "shop", key: "us/flags" });
    expect(read.config).toEqual(asOps.config);
    const wrong = createGuardianClient({ baseUrl: stack.url, apiKey: `${apiKeySecret}x` });
    await expect(
      wrong.config.getConfig({ project: "shop", key: "us/flags" }),
    ).rejects.toMatchObject({
      code: Code.Unauthenticated,
    });
  }, 240_000);

  it("resumes a watch from a revision before the backup with exactly the changes after it", async () => {
    const history = before["shop"] as {
      history: Record<string, { revisions: { revision: bigint }[] }>;
    };
    const rollback = history.history["eu/flags"]!.revisions[0]!.revision;
    const deletion = history.history["retired"]!.revisions[0]!.revision;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 60_000);
    const seen: { kind: string; revision?: bigint; key?: string }[] = [];
    try {
      for await (const msg of stack!.client.config.watch(
        { project: "shop", startRevision: rollback },
        { signal: ac.signal },
      )) {
        if (msg.kind.case === "bookmark") continue;
        const change = msg.kind.case === "change" ? msg.kind.value : undefined;
        seen.push({
          kind: msg.kind.case ?? "",
          revision: change?.revision,
          key: change?.config?.key,
        });
        if (seen.length === 2) break;
      }
    } finally {
      clearTimeout(timer);
    }
    expect(seen).toEqual([
      { kind: "change", revision: rollback, key: "eu/flags" },
      { kind: "change", revision: deletion, key: "retired" },
    ]);
  }, 120_000);

  it("keeps versions: a compare-and-set on the version from before the backup succeeds, with a higher revision", async () => {
    const { config } = stack!.client;
    const updated = await config.updateConfig({
      project: "billing",
      key: "limits",
      content: json({ max: 3 }),
      expectedVersion: lastVersion,
    });
    expect(updated.config!.version).toBeGreaterThan(lastVersion);
    await expect(
      config.updateConfig({
        project: "billing",
        key: "limits",
        content: json({ max: 4 }),
        expectedVersion: lastVersion,
      }),
    ).rejects.toMatchObject({ code: Code.Aborted });
  }, 120_000);

  it("with --force replaces a database that holds data, and --min-revision lifts the store's revision", async () => {
    await stack!.stop();
    stack = undefined;
    thirdEtcd = await startEtcdCluster({ size: 1 });
    const env = stackEnv(targetUrl, thirdEtcd.endpoints);
    const refused = await runGuardian(["restore", "--from", file()], env);
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/the target is not empty \(.*users/);

    const manifest = JSON.parse((await readFile(file(), "utf8")).split("\n")[0]!) as {
      etcd: { revision: string };
    };
    const floor = BigInt(manifest.etcd.revision) + 500n;
    const r = await runGuardian(
      ["restore", "--from", file(), "--force", "--min-revision", `${floor}`],
      env,
    );
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain(`store revision ${floor}`);

    stack = await startStack(env, password);
    expect(await readEverything(stack.client, layout)).toEqual(before);
    const written = await stack.client.config.updateConfig({
      project: "billing",
      key: "limits",
      content: json({ max: 5 }),
      expectedVersion: lastVersion,
    });
    expect(written.config!.version).toBeGreaterThan(floor);
  }, 240_000);
});
