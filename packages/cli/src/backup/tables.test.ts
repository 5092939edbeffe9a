import { withTransaction } from "@guardian/db";
import { useTestDatabase } from "@guardian/testkit";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import type { BodyWriter } from "./file.js";
import { parseBodyLine, type Manifest } from "./format.js";
import { checkMigrations, nonEmptyTables, startTableLoader } from "./restore-tables.js";
import { exportTables } from "./tables.js";

const source = useTestDatabase();
const target = useTestDatabase();

/** Every table's rows as JSON text, sorted, for comparing two databases. */
async function contents(pool: pg.Pool, tables: string[]) {
  const out: Record<string, string[]> = {};
  for (const t of tables) {
    const r = await pool.query<{ row: string }>(`SELECT to_jsonb(x)::text AS row FROM ${t} x`);
    out[t] = r.rows.map((row) => row.row).sort();
  }
  return out;
}

async function populate(pool: pg.Pool) {
  await pool.query(`INSERT INTO projects (name, created_by) VALUES ('shop', 'ops')`);
  // Two keys that reference each other: in any order one row references a later one, so only
  // a load of the table in one statement passes its foreign key.
  await pool.query(
    `INSERT INTO api_keys (id, project, name, lookup, secret_hash, created_by) VALUES
       ('00000000-0000-0000-0000-000000000001', 'shop', 'old', 'ak_old', 'h1', 'ops')`,
  );
  await pool.query(
    `INSERT INTO api_keys (id, project, name, lookup, secret_hash, rotated_from, created_by) VALUES
       ('00000000-0000-0000-0000-000000000000', 'shop', 'new', 'ak_new', 'h2',
        '00000000-0000-0000-0000-000000000001', 'ops')`,
  );
  await pool.query(
    `UPDATE api_keys SET rotated_from = '00000000-0000-0000-0000-000000000000'
      WHERE id = '00000000-0000-0000-0000-000000000001'`,
  );
  await pool.query(
    `INSERT INTO audit_log (id, actor, actor_kind, action, result, detail)
     VALUES (9007199254740993, 'ops', 'user', 'CreateProject', 'ok', '{"tab": "a\\tb"}')`,
  );
  for (const revision of [5, 500]) {
    await pool.query(
      `INSERT INTO revision_archive (project, key, revision, create_revision, previous_revision,
         change_type, value, created_at)
       VALUES ('shop', 'k', $1, 5, 0, 'create', '\\x00ff0a09', now())`,
      [revision],
    );
  }
}

async function exportAll(pool: pg.Pool, projects: string[]) {
  const lines: string[] = [];
  const out: BodyWriter = { write: async (line) => void lines.push(line) };
  const r = await exportTables(pool, out, {
    maxArchiveRevision: 100n,
    projects: new Set(projects),
  });
  return { ...r, lines };
}

describe("the PostgreSQL half of a backup", () => {
  it("reports projects with configs that the database lacks, and writes nothing then", async () => {
    await populate(source.pool());
    const r = await exportAll(source.pool(), ["shop", "gone"]);
    expect(r.missing).toEqual(["gone"]);
    expect(r.lines).toEqual([]);
  });

  it("restores every row exactly (bytes, big numbers, self-references), cuts the archive and resets sequences", async () => {
    const r = await exportAll(source.pool(), ["shop"]);
    expect(r.missing).toEqual([]);
    expect(r.tables.map((t) => t.name)).not.toContain("pgmigrations");
    expect(r.tables.find((t) => t.name === "revision_archive")?.rows).toBe(1);
    const manifest = { migrations: r.migrations, tables: r.tables } as Manifest;
    await checkMigrations(target.pool(), manifest);
    expect(await nonEmptyTables(target.pool(), manifest)).toEqual([]);

    await withTransaction(target.pool(), async (client) => {
      const loader = await startTableLoader(client, manifest);
      for (const [i, line] of r.lines.entries()) {
        const e = parseBodyLine(line.slice(0, -1), i + 2);
        if (e.kind === "row") await loader.add(e.table, e.json);
      }
      await loader.finish();
    });

    const names = r.tables.map((t) => t.name);
    await source.pool().query("DELETE FROM revision_archive WHERE revision > 100");
    expect(await contents(target.pool(), names)).toEqual(await contents(source.pool(), names));
    expect(await nonEmptyTables(target.pool(), manifest)).toEqual(
      expect.arrayContaining(["api_keys", "audit_log", "projects", "revision_archive"]),
    );
    const next = await target.pool().query<{ id: string }>(
      `INSERT INTO audit_log (actor, actor_kind, action, result) VALUES ('a', 'user', 'x', 'ok')
       RETURNING id::text`,
    );
    expect(BigInt(next.rows[0]!.id)).toBe(9007199254740994n);
  });

  it("refuses a target whose migrations differ from the backup's", async () => {
    const manifest = { migrations: ["0001_initial"], tables: [] } as unknown as Manifest;
    await expect(checkMigrations(target.pool(), manifest)).rejects.toThrow(
      /the backup was made at migration 0001_initial but this Guardian migrates to 00\d\d_/,
    );
  });
});
