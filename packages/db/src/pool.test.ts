import { isPgConnectionLoss, isPgError, pgCodes } from "@guardian/kit";
import { startTcpProxy, useTestDatabase } from "@guardian/testkit";
import { describe, expect, it, onTestFinished } from "vitest";
import { createPool } from "./pool.js";
import { withTransaction } from "./transaction.js";

const db = useTestDatabase();

/** How long `call` took to settle, and how it failed. */
async function timed(call: Promise<unknown>): Promise<{ ms: number; err: unknown }> {
  const started = performance.now();
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { ms: performance.now() - started, err };
}

describe("createPool's statement timeout", () => {
  it("sets none by default", async () => {
    const pool = createPool({ url: db.url(), max: 1 });
    onTestFinished(() => pool.end());
    const { rows } = await pool.query<{ statement_timeout: string }>("SHOW statement_timeout");
    expect(rows[0]!.statement_timeout).toBe("0");
  });

  it("has PostgreSQL cancel a statement running past statementTimeoutMs", async () => {
    const pool = createPool({ url: db.url(), max: 1, statementTimeoutMs: 300 });
    onTestFinished(() => pool.end());
    const { ms, err } = await timed(pool.query("SELECT pg_sleep(10)"));
    expect(isPgError(err, pgCodes.queryCanceled)).toBe(true);
    expect(ms).toBeLessThan(3_000);
    // The connection serves on.
    expect((await pool.query<{ n: number }>("SELECT 1 AS n")).rows).toEqual([{ n: 1 }]);
  });

  it("gives up on a server that stops answering, then serves from a new connection", async () => {
    const proxy = await startTcpProxy(db.url());
    onTestFinished(() => proxy.close());
    const pool = createPool({ url: proxy.url, max: 1, statementTimeoutMs: 300 });
    onTestFinished(() => pool.end());
    await pool.query("SELECT 1");
    // The connection stays open but nothing comes back: only the client's own timer ends
    // the wait (300 ms more than the server's own timeout here).
    proxy.freeze();
    const query = await timed(pool.query("SELECT 1"));
    expect(isPgConnectionLoss(query.err)).toBe(true);
    expect(query.ms).toBeLessThan(3_000);
    proxy.restore();
    expect((await pool.query<{ n: number }>("SELECT 2 AS n")).rows).toEqual([{ n: 2 }]);
    // A transaction fails within its statement's bound and a rollback's, and frees its client.
    proxy.freeze();
    const tx = await timed(withTransaction(pool, (client) => client.query("SELECT 3")));
    expect(isPgConnectionLoss(tx.err)).toBe(true);
    expect(tx.ms).toBeLessThan(4_000);
    proxy.restore();
    expect((await pool.query<{ n: number }>("SELECT 4 AS n")).rows).toEqual([{ n: 4 }]);
  });
});
