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
});
