import { Client } from "pg";
import { describe, expect, inject, it } from "vitest";
import { useTestDatabase } from "./database.js";
import { cloneDatabase, dropDatabase, randomDatabaseName } from "./template-database.js";

const db = useTestDatabase();

describe("useTestDatabase", () => {
  it("connects to a database of its own, cloned from the template with migrations applied", async () => {
    const { template } = inject("postgres");
    const current = await db.pool().query<{ name: string }>("SELECT current_database() AS name");
    expect(current.rows[0]?.name).toBe(db.name());
    expect(db.name()).not.toBe(template);

    const migrations = await db.pool().query<{ name: string }>("SELECT name FROM pgmigrations");
    expect(migrations.rows.length).toBeGreaterThan(0);
  });

  it("returns the rows inserted into a table it created", async () => {
    const pool = db.pool();
    await pool.query("CREATE TABLE roundtrip (id int PRIMARY KEY, label text NOT NULL, doc jsonb)");
    await pool.query("INSERT INTO roundtrip VALUES ($1, $2, $3), ($4, $5, $6)", [
      1,
      "first",
      { nested: [1, 2] },
      2,
      "zweite – ü",
      null,
    ]);
    const { rows } = await pool.query("SELECT id, label, doc FROM roundtrip ORDER BY id");
    expect(rows).toEqual([
      { id: 1, label: "first", doc: { nested: [1, 2] } },
      { id: 2, label: "zweite – ü", doc: null },
    ]);
  });

  it("keeps changes out of the template, so a fresh clone does not see them", async () => {
    const { adminUrl, template } = inject("postgres");
    await db.pool().query("CREATE TABLE only_in_this_clone (id int)");
    const name = randomDatabaseName();
    const url = await cloneDatabase(adminUrl, template, name);
    try {
      const other = new Client({ connectionString: url });
      await other.connect();
      try {
        const found = await other.query("SELECT to_regclass('only_in_this_clone') AS t");
        expect(found.rows).toEqual([{ t: null }]);
      } finally {
        await other.end();
      }
    } finally {
      await dropDatabase(adminUrl, name);
    }
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      const left = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      expect(left.rowCount).toBe(0);
    } finally {
      await admin.end();
    }
  });
});
