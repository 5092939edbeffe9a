import type { Queryable } from "@guardian/db";
import type { FormatMode } from "../formats/guardian-formats.js";

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

const versionColumns =
  "project, name, version, dialect, format_mode, message, forced, created_by, created_at";

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
