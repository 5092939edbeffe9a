import { describe, expect, it, onTestFinished } from "vitest";
import { useTestDatabase } from "@guardian/testkit";
import { createPool } from "./pool.js";
import { withTransaction } from "./transaction.js";

const db = useTestDatabase();

describe("withTransaction", () => {
  it("runs the opening statement inside the transaction and hands its rows to fn", async () => {
    const [opened, inside] = await withTransaction(
      db.pool(),
      async (client, result) => {
        // now() is the transaction's start time: equal only within one transaction.
        const again = await client.query<{ at: Date }>("SELECT now() AS at");
        return [result?.rows, again.rows] as const;
      },
      { opening: "SELECT now() AS at, 42 AS answer" },
    );
    expect(opened).toEqual([{ at: inside[0]!.at, answer: 42 }]);
  });

  it("rolls back the opening statement's work with the rest when fn throws", async () => {
    const pool = db.pool();
    await pool.query("CREATE TABLE IF NOT EXISTS opening_probe (n integer)");
    await expect(
      withTransaction(
        pool,
        async () => {
          throw new Error("refused");
        },
        { opening: "INSERT INTO opening_probe VALUES (1)" },
      ),
    ).rejects.toThrow("refused");
    const rows = await pool.query("SELECT count(*)::int AS n FROM opening_probe");
    expect(rows.rows).toEqual([{ n: 0 }]);
  });

  it("survives the connection of a held transaction dying, and the pool serves on", async () => {
    const pool = createPool({ url: db.url(), max: 2 });
    onTestFinished(() => pool.end());
    // While held, the client has no pool listener: a server-side end once ended the process.
    await expect(
      withTransaction(pool, async (client) => {
        const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        await db.pool().query("SELECT pg_terminate_backend($1)", [rows[0]!.pid]);
        await new Promise((resolve) => setTimeout(resolve, 200));
        await client.query("SELECT 1");
      }),
    ).rejects.toThrow();
    const after = await pool.query<{ n: number }>("SELECT 1 AS n");
    expect(after.rows).toEqual([{ n: 1 }]);
  });

  it("waits at most lockTimeoutMs for a lock another transaction holds (10 s by default)", async () => {
    const pool = db.pool();
    await pool.query("CREATE TABLE IF NOT EXISTS lock_probe (n integer PRIMARY KEY)");
    await pool.query("INSERT INTO lock_probe VALUES (1) ON CONFLICT DO NOTHING");
    const shown = await withTransaction(pool, async (client) => {
      const { rows } = await client.query<{ lock_timeout: string }>("SHOW lock_timeout");
      return rows[0]!.lock_timeout;
    });
    expect(shown).toBe("10s");
    // Another session holds the row, as an operator's open transaction would.
    const holder = await pool.connect();
    try {
      await holder.query("BEGIN; SELECT * FROM lock_probe WHERE n = 1 FOR UPDATE");
      const began = Date.now();
      const refused = await withTransaction(
        pool,
        (client) => client.query("SELECT * FROM lock_probe WHERE n = 1 FOR UPDATE"),
        { lockTimeoutMs: 200 },
      ).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refused).toMatchObject({ code: "55P03" });
      expect(Date.now() - began).toBeLessThan(5_000);
    } finally {
      await holder.query("ROLLBACK");
      holder.release();
    }
  });
});
