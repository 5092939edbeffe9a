import type { Queryable } from "@guardian/db";

// The SQL of backup and restore: generic over the tables of the current schema, so a table a
// later migration adds is backed up without a change here.

/** Quotes an identifier for SQL text. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The ordinary tables of the current schema. */
export async function listTables(q: Queryable): Promise<string[]> {
  const r = await q.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
      ORDER BY c.relname`,
  );
  return r.rows.map((row) => row.name);
}

/** Every foreign key between tables of the current schema, as (referencing, referenced). */
export async function listForeignKeys(q: Queryable): Promise<{ child: string; parent: string }[]> {
  const r = await q.query<{ child: string; parent: string }>(
    `SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid
       JOIN pg_class p ON p.oid = k.confrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'f' AND n.nspname = current_schema()`,
  );
  return r.rows;
}

/** The migrations the database has applied, in order (none when it was never migrated). */
export async function appliedMigrations(q: Queryable): Promise<string[]> {
  const present = await q.query<{ present: boolean }>(
    "SELECT to_regclass('pgmigrations') IS NOT NULL AS present",
  );
  if (!present.rows[0]?.present) return [];
  const r = await q.query<{ name: string }>("SELECT name FROM pgmigrations ORDER BY run_on, id");
  return r.rows.map((row) => row.name);
}

/**
 * Opens a cursor over the rows of `table` as JSON text; with `maxRevision`, only rows whose
 * `revision` is at most it. Needs a transaction.
 */
export async function openRowCursor(
  q: Queryable,
  cursor: string,
  table: string,
  maxRevision?: bigint,
): Promise<void> {
  const where = maxRevision === undefined ? "" : ` WHERE t.revision <= ${maxRevision.toString()}`;
  await q.query(
    `DECLARE ${ident(cursor)} NO SCROLL CURSOR FOR SELECT to_jsonb(t)::text AS row FROM ${ident(table)} t${where}`,
  );
}

/** Fetches up to `count` rows of a cursor opened by {@link openRowCursor}. */
export async function fetchRows(q: Queryable, cursor: string, count: number): Promise<string[]> {
  const r = await q.query<{ row: string }>(`FETCH ${count} FROM ${ident(cursor)}`);
  return r.rows.map((row) => row.row);
}

/** Closes a cursor. */
export async function closeCursor(q: Queryable, cursor: string): Promise<void> {
  await q.query(`CLOSE ${ident(cursor)}`);
}

/** Reports whether `table` has any row. */
export async function hasRows(q: Queryable, table: string): Promise<boolean> {
  const r = await q.query<{ any: boolean }>(`SELECT EXISTS (SELECT FROM ${ident(table)}) AS any`);
  return r.rows[0]?.any === true;
}

/** Empties the tables (and, by CASCADE, tables that reference them). */
export async function truncateTables(q: Queryable, tables: string[]): Promise<void> {
  if (tables.length === 0) return;
  await q.query(`TRUNCATE ${tables.map(ident).join(", ")} CASCADE`);
}

/** The columns of `table` an INSERT may set (generated columns left out). */
export async function insertableColumns(q: Queryable, table: string): Promise<string[]> {
  const r = await q.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute
      WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
      ORDER BY attnum`,
    [ident(table)],
  );
  return r.rows.map((row) => row.name);
}

/** Inserts rows given as a JSON array of objects (one statement, so FKs are checked at its end). */
export async function insertRows(
  q: Queryable,
  table: string,
  columns: string[],
  jsonArray: string,
): Promise<void> {
  const cols = columns.map(ident).join(", ");
  await q.query(
    `INSERT INTO ${ident(table)} (${cols}) OVERRIDING SYSTEM VALUE
     SELECT ${cols} FROM jsonb_populate_recordset(NULL::${ident(table)}, $1::jsonb)`,
    [jsonArray],
  );
}

/** Sets every sequence owned by a column of `table` past the column's largest value. */
export async function resetSequences(q: Queryable, table: string): Promise<void> {
  const r = await q.query<{ column: string; sequence: string }>(
    `SELECT attname AS column, pg_get_serial_sequence($1, attname) AS sequence
       FROM pg_attribute
      WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped
        AND pg_get_serial_sequence($1, attname) IS NOT NULL`,
    [ident(table)],
  );
  for (const { column, sequence } of r.rows) {
    await q.query(
      `SELECT setval($1, coalesce((SELECT max(${ident(column)}) FROM ${ident(table)}), 0) + 1, false)`,
      [sequence],
    );
  }
}

/** The names among `names` that are not projects. */
export async function missingProjects(q: Queryable, names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const r = await q.query<{ name: string }>(
    "SELECT n.name FROM unnest($1::text[]) AS n(name) WHERE NOT EXISTS (SELECT FROM projects p WHERE p.name = n.name)",
    [names],
  );
  return r.rows.map((row) => row.name);
}
