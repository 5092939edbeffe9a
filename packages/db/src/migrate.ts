import { fileURLToPath } from "node:url";
import { runner } from "node-pg-migrate";
import pg from "pg";

/** The folder holding the numbered, forward-only SQL migrations. */
export const migrationsDir = fileURLToPath(new URL("../../../migrations", import.meta.url));

/** Options for {@link migrate}: a URL, or a connected client (embedded mode's only connection). */
export type MigrateOptions =
  | { databaseUrl: string; client?: undefined; log?: (msg: string) => void }
  | { client: pg.ClientBase; databaseUrl?: undefined; log?: (msg: string) => void };

/** Migration ids applied by one {@link migrate} run, in order. */
export interface MigrateResult {
  applied: string[];
}

/**
 * Applies every pending migration, each in its own transaction.
 *
 * Two processes may run this at once: node-pg-migrate holds a PostgreSQL advisory lock for
 * the whole run, and the second waits for it and then finds nothing left to apply.
 */
export async function migrate(opts: MigrateOptions): Promise<MigrateResult> {
  const log = opts.log ?? (() => {});
  const quiet = { debug: () => {}, info: log, warn: log, error: log };
  const common = {
    dir: migrationsDir,
    migrationsTable: "pgmigrations",
    direction: "up" as const,
    checkOrder: true,
    singleTransaction: false,
    advisoryLockMode: "wait" as const,
    logger: quiet,
    log,
  };
  if (opts.client) {
    const ran = await runner({ ...common, dbClient: opts.client });
    return { applied: ran.map((m) => m.name) };
  }
  // Our own client, so that a server-side termination after the run cannot crash the process.
  const client = new pg.Client({
    connectionString: opts.databaseUrl,
    application_name: "guardian-migrate",
  });
  client.on("error", () => {});
  await client.connect();
  try {
    const ran = await runner({ ...common, dbClient: client });
    return { applied: ran.map((m) => m.name) };
  } finally {
    await client.end();
  }
}
