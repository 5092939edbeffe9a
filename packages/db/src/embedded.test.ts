import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEmbeddedDatabase, startEmbeddedPostgres } from "./embedded.js";
import { migrationsDir } from "./migrate.js";
import { createPool } from "./pool.js";

describe("openEmbeddedDatabase with a templates folder", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "guardian-embedded-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("opens new data directories fully migrated, each with data of its own", async () => {
    const templatesDir = join(dir, "templates");
    const migrations = (await readdir(migrationsDir)).filter((f) => f.endsWith(".sql"));

    const first = await openEmbeddedDatabase({ dataDir: join(dir, "a"), templatesDir });
    try {
      // The template holds every migration, so the copy has nothing left to apply.
      expect(first.applied).toEqual([]);
      const applied = await first.pool.query("SELECT count(*)::int AS n FROM pgmigrations");
      expect(applied.rows[0]).toEqual({ n: migrations.length });
      await first.pool.query("INSERT INTO projects (name, created_by) VALUES ('only-a', 'test')");
    } finally {
      await first.close();
    }
    expect(await readdir(templatesDir)).toEqual([expect.stringMatching(/^pgdata-[0-9a-f]{16}$/)]);

    const second = await openEmbeddedDatabase({ dataDir: join(dir, "b"), templatesDir });
    try {
      expect(second.applied).toEqual([]);
      const rows = await second.pool.query("SELECT name FROM projects WHERE name = 'only-a'");
      expect(rows.rows).toEqual([]);
    } finally {
      await second.close();
    }

    const reopened = await openEmbeddedDatabase({ dataDir: join(dir, "a"), templatesDir });
    try {
      const rows = await reopened.pool.query("SELECT name FROM projects WHERE name = 'only-a'");
      expect(rows.rows).toEqual([{ name: "only-a" }]);
    } finally {
      await reopened.close();
    }
  }, 120_000);
});

describe("startEmbeddedPostgres", () => {
  it("serves the database only on a Unix socket in a directory private to this user, removed at stop", async () => {
    const dir = await mkdtemp(join(tmpdir(), "guardian-embedded-socket-"));
    const pg = await startEmbeddedPostgres({ dataDir: join(dir, "pgdata") });
    const url = new URL(pg.url);
    const socketDir = url.searchParams.get("host")!;
    try {
      // No TCP port: the server has no authentication.
      expect(socketDir.startsWith("/")).toBe(true);
      const st = await stat(socketDir);
      expect(st.mode & 0o777).toBe(0o700);
      expect(st.uid).toBe(process.getuid!());
      const pool = createPool({ url: pg.url, max: 1 });
      try {
        expect((await pool.query("SELECT 1 + 1 AS two")).rows).toEqual([{ two: 2 }]);
      } finally {
        await pool.end();
      }
    } finally {
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    }
    await expect(stat(socketDir)).rejects.toMatchObject({ code: "ENOENT" });
  }, 120_000);

  it("serves arrays to the pg driver although its start skips PGlite's array type lookup", async () => {
    // The lookup only serves PGlite's own query API; the method it overrides must still exist.
    expect(typeof PGlite.prototype._initArrayTypes).toBe("function");
    const dir = await mkdtemp(join(tmpdir(), "guardian-embedded-arrays-"));
    const pg = await startEmbeddedPostgres({ dataDir: join(dir, "pgdata") });
    const pool = createPool({ url: pg.url, max: 1 });
    try {
      const { rows } = await pool.query(
        "SELECT $1::int[] AS ints, $2::text[] AS texts, ARRAY[now(), now()]::timestamptz[] AS times",
        [
          [1, 2, 3],
          ["a", 'b"c', null],
        ],
      );
      expect(rows[0].ints).toEqual([1, 2, 3]);
      expect(rows[0].texts).toEqual(["a", 'b"c', null]);
      expect(rows[0].times.map((t: unknown) => t instanceof Date)).toEqual([true, true]);
    } finally {
      await pool.end();
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
