import type { FormatMode } from "./formats.js";
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

/**
 * A row of `schema_versions`; `content` (an object or a boolean) is null when a listing
 * leaves it out.
 */
export interface VersionRow {
  project: string;
  name: string;
  version: number;
  content: Record<string, unknown> | boolean | null;
  dialect: string;
  format_mode: FormatMode;
  message: string;
  forced: boolean;
  created_by: string;
  created_at: Date;
}

const schemaColumns =
  "project, name, description, latest_version, created_by, created_at, updated_at";
const versionColumns =
  "project, name, version, dialect, format_mode, message, forced, created_by, created_at";

/** Tells whether a project exists. */
export async function projectExists(db: Queryable, project: string): Promise<boolean> {
  const res = await db.query("SELECT 1 FROM projects WHERE name = $1", [project]);
  return res.rowCount === 1;
}

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

/** Reads one version with its content. */
export async function selectVersion(
  db: Queryable,
  project: string,
  name: string,
  version: number,
): Promise<VersionRow | undefined> {
  const res = await db.query<VersionRow>(
    `SELECT ${versionColumns}, content FROM schema_versions
      WHERE project = $1 AND name = $2 AND version = $3`,
    [project, name, version],
  );
  return res.rows[0];
}

/**
 * Finds the concrete version a (name, version) pair means, 0 meaning the latest. The
 * incarnation (the schema's creation time) tells a schema apart from an earlier one of the
 * same name that was deleted.
 */
export async function selectTarget(
  db: Queryable,
  project: string,
  name: string,
  version: number,
): Promise<{ incarnation: string; version: number | null } | undefined> {
  const res = await db.query<{ incarnation: string; version: number | null }>(
    `SELECT s.created_at::text AS incarnation, v.version
       FROM schemas s
       LEFT JOIN schema_versions v ON v.project = s.project AND v.name = s.name
        AND v.version = CASE WHEN $3::int = 0 THEN s.latest_version ELSE $3::int END
      WHERE s.project = $1 AND s.name = $2`,
    [project, name, version],
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

/** Inserts a version. */
export async function insertVersion(
  db: Queryable,
  v: {
    project: string;
    name: string;
    version: number;
    content: Record<string, unknown> | boolean;
    dialect: string;
    formatMode: FormatMode;
    message: string;
    forced: boolean;
    createdBy: string;
  },
): Promise<VersionRow> {
  const res = await db.query<VersionRow>(
    `INSERT INTO schema_versions
       (project, name, version, content, dialect, message, forced, created_by, format_mode)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${versionColumns}, content`,
    [
      v.project,
      v.name,
      v.version,
      JSON.stringify(v.content),
      v.dialect,
      v.message,
      v.forced,
      v.createdBy,
      v.formatMode,
    ],
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

/** Lists a schema's versions newest first, below `before` (0: from the newest). */
export async function listVersions(
  db: Queryable,
  q: { project: string; name: string; before: number; limit: number; withContent: boolean },
): Promise<VersionRow[]> {
  const res = await db.query<VersionRow>(
    `SELECT ${versionColumns}, ${q.withContent ? "content" : "NULL AS content"}
       FROM schema_versions
      WHERE project = $1 AND name = $2 AND ($3::int = 0 OR version < $3::int)
      ORDER BY version DESC LIMIT $4`,
    [q.project, q.name, q.before, q.limit],
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
