import type { Queryable } from "@guardian/db";

/** Creates a schema, or moves an existing one's latest version, authored by "test". */
export async function upsertSchema(
  db: Queryable,
  project: string,
  name: string,
  latestVersion: number,
): Promise<void> {
  await db.query(
    `INSERT INTO schemas (project, name, latest_version, created_by) VALUES ($1, $2, $3, 'test')
     ON CONFLICT (project, name) DO UPDATE SET latest_version = $3`,
    [project, name, latestVersion],
  );
}

/** Inserts one version of a schema (draft 2020-12), authored by "test". */
export async function insertSchemaVersion(
  db: Queryable,
  v: { project: string; name: string; version: number; content: object },
): Promise<void> {
  await db.query(
    `INSERT INTO schema_versions (project, name, version, content, dialect, created_by)
     VALUES ($1, $2, $3, $4, 'draft-2020-12', 'test')`,
    [v.project, v.name, v.version, JSON.stringify(v.content)],
  );
}
