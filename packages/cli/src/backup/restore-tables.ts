import type { Queryable } from "@guardian/db";
import type pg from "pg";
import { BackupError, type Manifest } from "./format.js";
import {
  appliedMigrations,
  hasRows,
  insertableColumns,
  insertRows,
  listForeignKeys,
  resetSequences,
  truncateTables,
} from "./sql/tables.js";
import { seededTables } from "./tables.js";

/** Checks the migrations of the target against the backup's; throws a BackupError if they differ. */
export async function checkMigrations(q: Queryable, manifest: Manifest): Promise<void> {
  const target = await appliedMigrations(q);
  if (target.join(",") !== manifest.migrations.join(",")) {
    throw new BackupError(
      `the backup was made at migration ${manifest.migrations.at(-1) ?? "(none)"} but this Guardian migrates to ${target.at(-1) ?? "(none)"}: restore with the Guardian version that made the backup, then upgrade`,
    );
  }
}

/** The backed-up tables of the target that hold data (the migrations' seeded rows aside). */
export async function nonEmptyTables(q: Queryable, manifest: Manifest): Promise<string[]> {
  const found: string[] = [];
  for (const { name } of manifest.tables) {
    if (!seededTables.has(name) && (await hasRows(q, name))) found.push(name);
  }
  return found;
}

/** Loads a backup's rows into the tables, inside the caller's transaction. */
export interface TableLoader {
  add(table: string, json: string): Promise<void>;
  /** Inserts what is buffered, resets the sequences and returns the rows loaded per table. */
  finish(): Promise<Map<string, number>>;
}

const batchRows = 1000;
const batchBytes = 8 * 1024 * 1024;

/**
 * Empties the backup's tables and returns a loader for their rows. Rows are inserted in
 * batches, one statement each; a table that references itself is inserted in one statement,
 * so its foreign keys are checked once all its rows are in.
 */
export async function startTableLoader(
  client: pg.PoolClient,
  manifest: Manifest,
): Promise<TableLoader> {
  const names = manifest.tables.map((t) => t.name);
  await truncateTables(client, names);
  const selfReferencing = new Set(
    (await listForeignKeys(client)).filter((k) => k.child === k.parent).map((k) => k.child),
  );
  const columns = new Map<string, string[]>();
  for (const name of names) columns.set(name, await insertableColumns(client, name));
  const counts = new Map<string, number>();
  let table: string | undefined;
  let rows: string[] = [];
  let bytes = 0;

  const flush = async () => {
    if (table === undefined || rows.length === 0) return;
    await insertRows(client, table, columns.get(table)!, `[${rows.join(",")}]`);
    counts.set(table, (counts.get(table) ?? 0) + rows.length);
    rows = [];
    bytes = 0;
  };

  return {
    async add(name, json) {
      if (!columns.has(name)) {
        throw new BackupError(
          `the backup holds rows of ${name}, a table its manifest does not list`,
        );
      }
      if (name !== table) {
        await flush();
        table = name;
      }
      rows.push(json);
      bytes += json.length;
      if (!selfReferencing.has(name) && (rows.length >= batchRows || bytes >= batchBytes)) {
        await flush();
      }
    },
    async finish() {
      await flush();
      for (const { name, rows: expected } of manifest.tables) {
        const loaded = counts.get(name) ?? 0;
        if (loaded !== expected) {
          throw new BackupError(
            `the backup lists ${expected} rows of ${name} but holds ${loaded}; nothing was restored`,
          );
        }
        await resetSequences(client, name);
      }
      return counts;
    },
  };
}
