import { withTransaction } from "@guardian/db";
import type pg from "pg";
import type { BodyWriter } from "./file.js";
import { rowLine } from "./format.js";
import {
  appliedMigrations,
  closeCursor,
  fetchRows,
  listForeignKeys,
  listTables,
  missingProjects,
  openRowCursor,
} from "./sql/tables.js";

/**
 * Tables a backup leaves out: the migration ledger (a restore migrates the target itself),
 * the SQL cluster backend's leases, locks, elections and instances, and the scheduler's run
 * records (fenced by election revisions of the running cluster), which belong to running
 * processes and mean nothing to a restored stack.
 */
export function isBackedUp(table: string): boolean {
  return table !== "pgmigrations" && table !== "scheduled_jobs" && !table.startsWith("cluster_");
}

/**
 * Tables whose one row the migrations insert (counters, epochs, the webhook fan-out's
 * cursor): a target holding only these rows is still empty, and a restore replaces them.
 */
export const seededTables: ReadonlySet<string> = new Set([
  "store_state",
  "access_epoch",
  "webhook_fanout_cursor",
]);

/**
 * Orders tables so that each comes after every table it references (alphabetical among
 * equals); a self-reference is no constraint, and tables left in a cycle come last.
 */
export function restoreOrder(tables: string[], fks: { child: string; parent: string }[]): string[] {
  const wanted = new Set(tables);
  const parents = new Map(tables.map((t) => [t, new Set<string>()]));
  for (const { child, parent } of fks) {
    if (child !== parent && wanted.has(child) && wanted.has(parent))
      parents.get(child)!.add(parent);
  }
  const order: string[] = [];
  const placed = new Set<string>();
  let remaining = [...tables].sort();
  while (remaining.length > 0) {
    const ready = remaining.filter((t) => [...parents.get(t)!].every((p) => placed.has(p)));
    const next = ready.length > 0 ? ready : remaining;
    for (const t of next) {
      order.push(t);
      placed.add(t);
    }
    remaining = remaining.filter((t) => !placed.has(t));
  }
  return order;
}

/**
 * Writes every backed-up table's rows, read in ONE repeatable-read transaction so that all
 * tables show one moment. With `maxArchiveRevision`, rows of `revision_archive` above it are
 * left out: they were copied after the etcd side of the backup was read (docs/backup.md).
 * Also reports which of `projects` (those with configs in etcd) the snapshot lacks.
 */
export async function exportTables(
  pool: pg.Pool,
  out: BodyWriter,
  opts: { maxArchiveRevision?: bigint; projects?: Set<string> },
): Promise<{ migrations: string[]; tables: { name: string; rows: number }[]; missing: string[] }> {
  return withTransaction(
    pool,
    async (client) => {
      const migrations = await appliedMigrations(client);
      const missing = await missingProjects(client, [...(opts.projects ?? [])]);
      if (missing.length > 0) return { migrations, tables: [], missing };
      const all = (await listTables(client)).filter(isBackedUp);
      const order = restoreOrder(all, await listForeignKeys(client));
      const tables: { name: string; rows: number }[] = [];
      for (const name of order) {
        const limit = name === "revision_archive" ? opts.maxArchiveRevision : undefined;
        await openRowCursor(client, "backup_rows", name, limit);
        let rows = 0;
        for (;;) {
          const batch = await fetchRows(client, "backup_rows", 500);
          for (const json of batch) await out.write(rowLine(name, json));
          rows += batch.length;
          if (batch.length < 500) break;
        }
        await closeCursor(client, "backup_rows");
        tables.push({ name, rows });
      }
      return { migrations, tables, missing };
    },
    { isolation: "repeatable read", opening: "SET TRANSACTION READ ONLY" },
  );
}
