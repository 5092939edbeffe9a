import { join } from "node:path";
import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import {
  databaseUrl,
  dropDatabase,
  makeTempDir,
  randomDatabaseName,
  removeTempDir,
  runGuardian,
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
const json = (v: unknown) => fromJson(ValueSchema, v as never);
const layout = [{ project: "shop", keys: ["eu/flags", "gone"], schemas: ["flags"] }];

describe("guardian backup and restore on the SQL store engine", () => {
  const { adminUrl } = inject("postgres");
  const names = { source: randomDatabaseName(), target: randomDatabaseName() };
  const sourceUrl = databaseUrl(adminUrl, names.source);
  const targetUrl = databaseUrl(adminUrl, names.target);
  let dir: string;
  let stack: Stack | undefined;

  beforeAll(async () => {
    dir = await makeTempDir("backup-sql");
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    for (const name of Object.values(names)) await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
  });

  afterAll(async () => {
    await stack?.stop();
    for (const name of Object.values(names)) await dropDatabase(adminUrl, name);
    await removeTempDir(dir);
  }, 120_000);

  it("restores the store's tables with everything else, revisions included", async () => {
    expect((await runGuardian(["migrate"], { DATABASE_URL: sourceUrl })).code).toBe(0);
    await createOps(sourceUrl, password);
    stack = await startStack(stackEnv(sourceUrl, undefined), password);
    const { config, schema } = stack.client;
    await config.createProject({ project: "shop" });
    await schema.createSchema({ project: "shop", name: "flags", content: { type: "object" } });
    for (const key of ["eu/flags", "gone"]) {
      await config.createConfig({ project: "shop", key, schema: "flags", content: json({ n: 0 }) });
      for (let n = 1; n <= 3; n++) {
        await config.updateConfig({ project: "shop", key, content: json({ n }) });
      }
    }
    await config.deleteConfig({ project: "shop", key: "gone" });
    const before = await readEverything(stack.client, layout);
    const file = join(dir, "sql.backup");
    const backup = await runGuardian(["backup", "--out", file], stackEnv(sourceUrl, undefined));
    expect(backup.code, backup.output).toBe(0);
    expect(backup.output).not.toContain("etcd keys");
    await stack.stop();
    stack = undefined;

    const restore = await runGuardian(["restore", "--from", file], stackEnv(targetUrl, undefined));
    expect(restore.code, restore.output).toBe(0);
    expect(restore.output).toMatch(/store_kv: 1 rows/);
    const intoEtcd = await runGuardian(["restore", "--from", file], {
      ...stackEnv(targetUrl, ["http://127.0.0.1:1"]),
    });
    expect(intoEtcd.code).toBe(1);
    expect(intoEtcd.output).toContain("the backup is of a stack on the sql store engine");

    stack = await startStack(stackEnv(targetUrl, undefined), password);
    expect(await readEverything(stack.client, layout)).toEqual(before);
  }, 240_000);
});
