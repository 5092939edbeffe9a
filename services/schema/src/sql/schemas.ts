import type { Queryable } from "@guardian/db";

/** A row of `schemas`. */
export interface SchemaRow {
  project: string;
  name: string;
  description: string;
  latest_version: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

const schemaColumns =
  "project, name, description, latest_version, created_by, created_at, updated_at";

/** Reads a schema; `lock` takes a row lock that serializes additions of versions. */
export async function selectSchema(
  db: Queryable,
  project: string,
  name: string,
  lock = false,
): Promise<SchemaRow | undefined> {
  const res = await db.query<SchemaRow>(
    `SELECT ${schemaColumns} FROM schemas WHERE project = $1 AND name = $2${lock ? " FOR UPDATE" : ""}`,
    [project, name],
  );
  return res.rows[0];
}

/** Inserts a schema whose latest version is 1 (the caller inserts version 1). */
export async function insertSchema(
  db: Queryable,
  s: { project: string; name: string; description: string; createdBy: string },
): Promise<SchemaRow> {
  const res = await db.query<SchemaRow>(
    `INSERT INTO schemas (project, name, description, latest_version, created_by)
     VALUES ($1, $2, $3, 1, $4) RETURNING ${schemaColumns}`,
    [s.project, s.name, s.description, s.createdBy],
  );
  return res.rows[0]!;
}

/** Moves a schema's latest version. */
export async function setLatestVersion(
  db: Queryable,
  project: string,
  name: string,
  version: number,
): Promise<SchemaRow> {
  const res = await db.query<SchemaRow>(
    `UPDATE schemas SET latest_version = $3, updated_at = now()
      WHERE project = $1 AND name = $2 RETURNING ${schemaColumns}`,
    [project, name, version],
  );
  return res.rows[0]!;
}

/** Changes a schema's description; undefined when the schema does not exist. */
export async function updateDescription(
  db: Queryable,
  project: string,
  name: string,
  description: string,
): Promise<SchemaRow | undefined> {
  const res = await db.query<SchemaRow>(
    `UPDATE schemas SET description = $3, updated_at = now()
      WHERE project = $1 AND name = $2 RETURNING ${schemaColumns}`,
    [project, name, description],
  );
  return res.rows[0];
}

/** Lists a project's schemas by name (bytewise, like the page positions), after `after`. */
export async function listSchemas(
  db: Queryable,
  project: string,
  after: string,
  limit: number,
): Promise<SchemaRow[]> {
  const res = await db.query<SchemaRow>(
    `SELECT ${schemaColumns} FROM schemas
      WHERE project = $1 AND name COLLATE "C" > $2
      ORDER BY name COLLATE "C" LIMIT $3`,
    [project, after, limit],
  );
  return res.rows;
}

/** Deletes a schema with its versions; false when it did not exist. */
export async function deleteSchema(db: Queryable, project: string, name: string): Promise<boolean> {
  const res = await db.query("DELETE FROM schemas WHERE project = $1 AND name = $2", [
    project,
    name,
  ]);
  return res.rowCount === 1;
}
