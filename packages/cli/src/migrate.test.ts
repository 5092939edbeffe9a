import { readdir } from "node:fs/promises";
import { migrationsDir } from "@guardian/db";
import {
  databaseUrl,
  dropDatabase,
  freePort,
  randomDatabaseName,
  runGuardian,
  spawnGuardian,
  startPostgres,
  waitFor,
  type PostgresServer,
} from "@guardian/testkit";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";

async function migrationNames(): Promise<string[]> {
  return (await readdir(migrationsDir))
    .filter((f) => f.endsWith(".sql"))
    .map((f) => f.slice(0, -".sql".length))
    .sort();
}

async function appliedMigrations(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const res = await client.query<{ name: string }>("SELECT name FROM pgmigrations ORDER BY id");
    return res.rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

describe("guardian migrate waits for the database and is safe to run twice at once", () => {
  const { adminUrl } = inject("postgres");
  const servers: PostgresServer[] = [];
  const databases: string[] = [];

  afterAll(async () => {
    for (const name of databases) await dropDatabase(adminUrl, name);
    for (const server of servers) await server.stop();
  });

  it("waits for a PostgreSQL that starts after it, saying what it waits for, then migrates", async () => {
    const port = await freePort();
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const migrate = spawnGuardian(["migrate"], { DATABASE_URL: url });
    await waitFor(
      async () => (/waiting for the database/.test(migrate.output()) ? true : undefined),
      { what: "migrate to say that it waits", timeoutMs: 60_000, details: migrate.output },
    );
    expect(migrate.output()).toContain(`127.0.0.1:${port}/postgres (connection refused)`);
    expect(migrate.child.exitCode).toBeNull();
    servers.push(await startPostgres({ port }));
    const done = await migrate.exited;
    expect(done.code, done.output).toBe(0);
    expect(done.output).toContain("applied 0001_initial");
    expect(await appliedMigrations(url)).toEqual(await migrationNames());
  }, 120_000);

  it("gives up after GUARDIAN_MIGRATE_WAIT, and on an unresolvable name", async () => {
    const port = await freePort();
    const closed = await runGuardian(["migrate"], {
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres`,
      GUARDIAN_MIGRATE_WAIT: "1s",
    });
    expect(closed.code).toBe(1);
    expect(closed.output).toContain("waiting for the database");
    expect(closed.output).toContain("ECONNREFUSED");
    const unresolvable = await runGuardian(["migrate"], {
      DATABASE_URL: "postgres://postgres@db.invalid:5432/guardian",
      GUARDIAN_MIGRATE_WAIT: "1s",
    });
    expect(unresolvable.code).toBe(1);
    expect(unresolvable.output).toContain("host name not resolvable yet");
  }, 120_000);

  it("does not retry what waiting cannot fix: a database that does not exist", async () => {
    const r = await runGuardian(["migrate"], {
      DATABASE_URL: databaseUrl(adminUrl, "no_such_database"),
    });
    expect(r.code).toBe(1);
    expect(r.output).not.toContain("waiting for the database");
    expect(r.output).toContain('database "no_such_database" does not exist');
  }, 60_000);

  it("applies every migration once when two migrate processes start together on an empty database", async () => {
    const name = randomDatabaseName();
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    databases.push(name);
    const url = databaseUrl(adminUrl, name);
    const [a, b] = await Promise.all([
      runGuardian(["migrate"], { DATABASE_URL: url }),
      runGuardian(["migrate"], { DATABASE_URL: url }),
    ]);
    expect([a.code, b.code], `${a.output}\n${b.output}`).toEqual([0, 0]);
    expect(await appliedMigrations(url)).toEqual(await migrationNames());
  }, 120_000);
});
