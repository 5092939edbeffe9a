import { readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { connectWhenReady, type ConnectWhenReadyOptions } from "./connect-wait.js";

/** The folder holding the numbered, forward-only SQL migrations. */
export const migrationsDir = fileURLToPath(new URL("../../../migrations", import.meta.url));

/**
 * Options for {@link migrate}: a URL, or a connected client (embedded mode's only connection).
 * With a URL, `waitMs` is how long to wait for a database that cannot be reached yet
 * (default 0: one attempt), and `onWait` hears what is awaited.
 */
export type MigrateOptions =
  | {
      databaseUrl: string;
      client?: undefined;
      log?: (msg: string) => void;
      waitMs?: number;
      onWait?: ConnectWhenReadyOptions["onWait"];
    }
  | { client: pg.ClientBase; databaseUrl?: undefined; log?: (msg: string) => void };

/** Migration ids applied by one {@link migrate} run, in order. */
export interface MigrateResult {
  applied: string[];
}

/**
 * Applies every pending migration, each in its own transaction. When every migration is
 * already applied, one query finds that out and nothing else runs.
 *
 * Two processes may run this at once: node-pg-migrate holds a PostgreSQL advisory lock for
 * the whole run, and the second waits for it and then finds nothing left to apply.
 */
export async function migrate(opts: MigrateOptions): Promise<MigrateResult> {
  if (opts.client) return migrateOn(opts.client, opts.log);
  // Our own client, so that a server-side termination after the run cannot crash the process.
  const client = await connectWhenReady({
    url: opts.databaseUrl,
    waitMs: opts.waitMs ?? 0,
    applicationName: "guardian-migrate",
    ...(opts.onWait ? { onWait: opts.onWait } : {}),
  });
  try {
    return await migrateOn(client, opts.log);
  } finally {
    await client.end();
  }
}

async function migrateOn(
  client: pg.ClientBase,
  log: (msg: string) => void = () => {},
): Promise<MigrateResult> {
  // Most starts find every migration applied: one query settles that, and the migration
  // runner (slow to load) is loaded only when there is something to apply.
  if (await upToDate(client)) return { applied: [] };
  const { runner } = await import("node-pg-migrate");
  const quiet = { debug: () => {}, info: log, warn: log, error: log };
  const ran = await runner({
    dir: migrationsDir,
    migrationsTable: "pgmigrations",
    direction: "up",
    checkOrder: true,
    singleTransaction: false,
    advisoryLockMode: "wait",
    logger: quiet,
    log,
    dbClient: client,
  });
  return { applied: ran.map((m) => m.name) };
}

/**
 * Reports whether the database has applied exactly the migrations in {@link migrationsDir},
 * in order. Anything else (a pending, missing or reordered migration, or no migration table
 * yet) is for the runner to apply or to report. One query: asking first whether the table
 * exists cost a second round trip at every start (10-15 ms of embedded mode's).
 */
async function upToDate(client: pg.ClientBase): Promise<boolean> {
  const [names, applied] = await Promise.all([
    readdir(migrationsDir),
    client
      .query<{ name: string }>("SELECT name FROM public.pgmigrations ORDER BY run_on, id")
      .catch((err: unknown) => {
        // undefined_table: a database no migration ran on.
        if ((err as { code?: unknown }).code === "42P01") return undefined;
        throw err;
      }),
  ]);
  if (applied === undefined) return false;
  const files = names
    .filter((f) => f.endsWith(".sql"))
    .map((f) => f.slice(0, -".sql".length))
    .sort();
  return applied.rows.length === files.length && applied.rows.every((r, i) => r.name === files[i]);
}
