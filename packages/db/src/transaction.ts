import type pg from "pg";

/** Isolation levels accepted by {@link withTransaction}. */
export type IsolationLevel = "read committed" | "repeatable read" | "serializable";

/** Options of {@link withTransaction}. */
export interface TransactionOptions {
  isolation?: IsolationLevel;
  /**
   * A statement without parameters to run first, sent together with BEGIN so that both
   * cost one round trip (a lock a transaction always takes first, for example). Its result
   * is passed to `fn`.
   */
  opening?: string;
  /**
   * How long a statement of the transaction may wait for a lock (a row another transaction
   * holds `FOR UPDATE`, a table being altered) before it fails with 55P03, which services
   * answer Unavailable. Default 10 s; 0 waits without bound.
   */
  lockTimeoutMs?: number;
}

/** See {@link TransactionOptions.lockTimeoutMs}. */
const defaultLockTimeoutMs = 10_000;

/**
 * Runs `fn` inside one transaction on a client checked out of `pool`: commits when `fn`
 * resolves, rolls back when it throws, and always returns the client.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient, opened: pg.QueryResult | undefined) => Promise<T>,
  opts: TransactionOptions = {},
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    const lockTimeoutMs = Math.max(0, Math.floor(opts.lockTimeoutMs ?? defaultLockTimeoutMs));
    // An operator's open transaction or a restore holding a lock must not stall a call
    // without bound; SET LOCAL ends with the transaction.
    const begin =
      (opts.isolation ? `BEGIN ISOLATION LEVEL ${opts.isolation}` : "BEGIN") +
      `; SET LOCAL lock_timeout = ${lockTimeoutMs}`;
    let opened: pg.QueryResult | undefined;
    if (opts.opening === undefined) await client.query(begin);
    else {
      // Several statements in one simple query answer with one result each.
      const results = (await client.query(`${begin}; ${opts.opening}`)) as unknown;
      opened = (results as pg.QueryResult[])[2];
    }
    const result = await fn(client, opened);
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
