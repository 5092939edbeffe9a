import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEmbeddedDatabase } from "./embedded.js";
import { migrationsDir } from "./migrate.js";

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
