import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { databaseUrl, dropDatabase, randomDatabaseName } from "@guardian/testkit";
import { readdir } from "node:fs/promises";
import { migrate, migrationsDir } from "./migrate.js";
import { withTransaction } from "./transaction.js";
import { createPool } from "./pool.js";

describe("migrate", () => {
  const { adminUrl } = inject("postgres");
  const name = randomDatabaseName();
  let url: string;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    url = databaseUrl(adminUrl, name);
  });

  afterAll(async () => {
    await dropDatabase(adminUrl, name);
  });

  it("applies every migration once when two processes run it at the same time", async () => {
    const [a, b] = await Promise.all([
      migrate({ databaseUrl: url }),
      migrate({ databaseUrl: url }),
    ]);
    const applied = [...a.applied, ...b.applied].sort();
    const files = (await readdir(migrationsDir)).filter((f) => f.endsWith(".sql"));
    expect(applied).toEqual(files.map((f) => f.replace(/\.sql$/, "")).sort());
    const again = await migrate({ databaseUrl: url });
    expect(again.applied).toEqual([]);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const tables = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    await client.end();
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining([
        "users",
        "projects",
        "role_bindings",
        "api_keys",
        "schemas",
        "schema_versions",
        "audit_log",
        "revision_archive",
        "jobs",
        "pgmigrations",
      ]),
    );
  });

  // (A database without the migration table is the test above: the runner applies everything.)
  it("finds an up-to-date database with one query", async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const sent: string[] = [];
    const query = client.query.bind(client) as (text: string) => Promise<unknown>;
    (client as unknown as { query: typeof query }).query = (text: string) => {
      sent.push(text);
      return query(text);
    };
    try {
      expect((await migrate({ client })).applied).toEqual([]);
      expect(sent).toHaveLength(1);
    } finally {
      await client.end();
    }
  });

  it("rolls a failed transaction back and leaves nothing half-written", async () => {
    const pool = createPool({ url, max: 2 });
    try {
      await expect(
        withTransaction(pool, async (c) => {
          await c.query("INSERT INTO projects (name, created_by) VALUES ('half', 'test')");
          await c.query("INSERT INTO projects (name, created_by) VALUES ('half', 'test')");
        }),
      ).rejects.toMatchObject({ code: "23505" });
      const left = await pool.query("SELECT count(*)::int AS n FROM projects WHERE name = 'half'");
      expect(left.rows[0]).toEqual({ n: 0 });
    } finally {
      await pool.end();
    }
  });
});
