import type pg from "pg";
import type { AccessChangesSource } from "../access-changes/start.js";

/**
 * The access change source of a test server on `pool`: a dedicated LISTEN connection to the
 * pool's own database, as in production, so that tests run with credentials cached.
 */
export function listenTo(pool: pg.Pool): AccessChangesSource {
  const url = pool.options.connectionString;
  if (url === undefined) throw new Error("the test pool has no connection string");
  return { listenUrl: url };
}
