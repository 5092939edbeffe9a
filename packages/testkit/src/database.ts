import { Pool } from "pg";
import { afterAll, beforeAll, inject } from "vitest";
import "./provided.js";
import { cloneDatabase, dropDatabase, randomDatabaseName } from "./template-database.js";

/** A database of one test file, cloned from the migrated template. */
export interface TestDatabase {
  /** Name of the cloned database. Available from `beforeAll` on. */
  name(): string;
  /** URL of the cloned database. Available from `beforeAll` on. */
  url(): string;
  /** A pool on the cloned database, created on first use and ended after the file's tests. */
  pool(): Pool;
}

/** Options for {@link useTestDatabase}. */
export interface UseTestDatabaseOptions {
  /** Maximum connections of {@link TestDatabase.pool}. Defaults to 5. */
  readonly poolSize?: number;
}

/**
 * Gives the calling test file its own database, cloned from the template the global setup
 * migrated.
 *
 * Call it at the top level of a test file. It registers a `beforeAll` that clones the
 * template and an `afterAll` that ends the pool and drops the database.
 */
export function useTestDatabase(opts: UseTestDatabaseOptions = {}): TestDatabase {
  let adminUrl: string | undefined;
  let name: string | undefined;
  let url: string | undefined;
  let pool: Pool | undefined;

  beforeAll(async () => {
    const provided = inject("postgres");
    adminUrl = provided.adminUrl;
    name = randomDatabaseName();
    url = await cloneDatabase(adminUrl, provided.template, name);
  });

  afterAll(async () => {
    const ending = pool;
    pool = undefined;
    // end() resolves before every connection has closed, and the forced drop below terminates
    // the stragglers; their error must not reach the (listener-less) pool as an unhandled event.
    ending?.on("error", () => {});
    await ending?.end();
    if (adminUrl !== undefined && name !== undefined) await dropDatabase(adminUrl, name);
  });

  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) {
      throw new Error(`useTestDatabase(): ${what} is only available in tests and hooks`);
    }
    return value;
  };

  return {
    name: () => ready(name, "name()"),
    url: () => ready(url, "url()"),
    pool() {
      if (!pool) {
        pool = new Pool({ connectionString: ready(url, "pool()"), max: opts.poolSize ?? 5 });
        // Dropping the database at the end terminates clients that are still closing.
        pool.on("error", () => {});
      }
      return pool;
    },
  };
}
