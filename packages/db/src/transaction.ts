import type pg from "pg";

/** Isolation levels accepted by {@link withTransaction}. */
export type IsolationLevel = "read committed" | "repeatable read" | "serializable";

/**
 * Runs `fn` inside one transaction on a client checked out of `pool`: commits when `fn`
 * resolves, rolls back when it throws, and always returns the client.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  opts: { isolation?: IsolationLevel } = {},
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(opts.isolation ? `BEGIN ISOLATION LEVEL ${opts.isolation}` : "BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    try {
      await client.query("ROLLBACK");
    } catch {
      // The connection itself failed; discard it rather than return a client mid-transaction.
      broken = true;
    }
    throw err;
  } finally {
    client.release(broken);
  }
}
