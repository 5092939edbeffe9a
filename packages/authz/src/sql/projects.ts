import type { Queryable } from "@guardian/db";

/** A row of the projects table. */
export interface ProjectRow {
  name: string;
  display_name: string;
  description: string;
  labels: Record<string, string>;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  version: string;
  history_max_age_days: number;
  history_min_revisions: number;
}

/** A project's history retention policy, as stored (0 days: keep forever). */
export interface HistoryRetentionPolicy {
  maxAgeDays: number;
  minRevisionsPerConfig: number;
}

const columns =
  "name, display_name, description, labels, created_by, created_at, updated_at, version, " +
  "history_max_age_days, history_min_revisions";

/**
 * Claims a project name for good. Fails with a unique violation when the name is taken, also
 * by a deleted project.
 */
export async function insertProjectName(db: Queryable, name: string): Promise<void> {
  await db.query("INSERT INTO project_names (name) VALUES ($1)", [name]);
}

/** Inserts a project and returns its row. */
export async function insertProject(
  db: Queryable,
  p: {
    name: string;
    displayName: string;
    description: string;
    labels: object;
    createdBy: string;
    historyRetention?: HistoryRetentionPolicy;
  },
): Promise<ProjectRow> {
  const r = await db.query<ProjectRow>(
    `INSERT INTO projects
       (name, display_name, description, labels, created_by, history_max_age_days,
        history_min_revisions)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${columns}`,
    [
      p.name,
      p.displayName,
      p.description,
      JSON.stringify(p.labels),
      p.createdBy,
      p.historyRetention?.maxAgeDays ?? 0,
      p.historyRetention?.minRevisionsPerConfig ?? 0,
    ],
  );
  return r.rows[0]!;
}

/**
 * Tells whether a project exists. With `lock`, the project's row stays locked until the
 * transaction ends, so that its bindings and keys change one at a time and never outlive it.
 */
export async function projectExists(
  db: Queryable,
  project: string,
  opts: { lock?: boolean } = {},
): Promise<boolean> {
  const res = await db.query(
    `SELECT 1 FROM projects WHERE name = $1${opts.lock ? " FOR UPDATE" : ""}`,
    [project],
  );
  return (res.rowCount ?? 0) > 0;
}

/** Reads one project. */
export async function selectProject(db: Queryable, name: string): Promise<ProjectRow | undefined> {
  const r = await db.query<ProjectRow>(`SELECT ${columns} FROM projects WHERE name = $1`, [name]);
  return r.rows[0];
}

/** Reads the current version of a project (undefined when it does not exist). */
export async function selectProjectVersion(
  db: Queryable,
  name: string,
): Promise<bigint | undefined> {
  const r = await db.query<{ version: string }>("SELECT version FROM projects WHERE name = $1", [
    name,
  ]);
  const row = r.rows[0];
  return row && BigInt(row.version);
}

/**
 * Reads a page of projects after `after` in name order, filtered by labels and, when `only`
 * is given, restricted to those names.
 */
export async function selectProjects(
  db: Queryable,
  q: { after: string; limit: number; labels: Record<string, string>; only?: string[] },
): Promise<ProjectRow[]> {
  const r = await db.query<ProjectRow>(
    `SELECT ${columns} FROM projects
      WHERE name > $1 AND labels @> $2::jsonb AND ($3::text[] IS NULL OR name = ANY ($3))
      ORDER BY name LIMIT $4`,
    [q.after, JSON.stringify(q.labels), q.only ?? null, q.limit],
  );
  return r.rows;
}

/**
 * Changes the given fields of a project when its version matches (or no version is
 * expected), incrementing the version. Returns undefined when no row matched.
 */
export async function updateProject(
  db: Queryable,
  name: string,
  set: {
    displayName?: string;
    description?: string;
    labels?: Record<string, string>;
    historyRetention?: HistoryRetentionPolicy;
  },
  expectedVersion: bigint | undefined,
): Promise<ProjectRow | undefined> {
  const r = await db.query<ProjectRow>(
    `UPDATE projects SET
       display_name = coalesce($2, display_name),
       description = coalesce($3, description),
       labels = coalesce($4::jsonb, labels),
       history_max_age_days = coalesce($6, history_max_age_days),
       history_min_revisions = coalesce($7, history_min_revisions),
       version = version + 1,
       updated_at = now()
     WHERE name = $1 AND ($5::bigint IS NULL OR version = $5)
     RETURNING ${columns}`,
    [
      name,
      set.displayName ?? null,
      set.description ?? null,
      set.labels ? JSON.stringify(set.labels) : null,
      expectedVersion?.toString() ?? null,
      set.historyRetention?.maxAgeDays ?? null,
      set.historyRetention?.minRevisionsPerConfig ?? null,
    ],
  );
  return r.rows[0];
}

/** Reads the history retention policy of every project that does not keep history forever. */
export async function selectHistoryRetentionPolicies(
  db: Queryable,
): Promise<Array<HistoryRetentionPolicy & { project: string }>> {
  const r = await db.query<{ name: string; days: number; min: number }>(
    `SELECT name, history_max_age_days AS days, history_min_revisions AS min
       FROM projects WHERE history_max_age_days > 0 ORDER BY name`,
  );
  return r.rows.map((p) => ({ project: p.name, maxAgeDays: p.days, minRevisionsPerConfig: p.min }));
}

/**
 * Deletes a project when its version matches (or no version is expected); the delete
 * cascades to its schemas, role bindings and API keys. Returns the names of the schemas it
 * deleted, or undefined when no row matched.
 */
export async function deleteProject(
  db: Queryable,
  name: string,
  expectedVersion: bigint | undefined,
): Promise<string[] | undefined> {
  const schemas = await db.query<{ name: string }>("SELECT name FROM schemas WHERE project = $1", [
    name,
  ]);
  const r = await db.query(
    "DELETE FROM projects WHERE name = $1 AND ($2::bigint IS NULL OR version = $2)",
    [name, expectedVersion?.toString() ?? null],
  );
  if (r.rowCount === 0) return undefined;
  return schemas.rows.map((s) => s.name);
}

/** Marks a project name as deleted (it stays claimed). */
export async function markProjectNameDeleted(
  db: Queryable,
  name: string,
  deletedBy: string,
): Promise<void> {
  await db.query(
    `INSERT INTO project_names (name, deleted_at, deleted_by) VALUES ($1, now(), $2)
     ON CONFLICT (name) DO UPDATE SET deleted_at = now(), deleted_by = $2`,
    [name, deletedBy],
  );
}
