import type { Queryable } from "@guardian/db";

/** A role binding with its user's username. */
export interface BindingRow {
  project: string;
  username: string;
  role: string;
  created_at: Date;
  created_by: string;
}

/** Reads the role a user's account holds on a project. */
export async function selectBindingRole(
  db: Queryable,
  project: string,
  account: { issuer: string; subject: string },
): Promise<string | undefined> {
  const res = await db.query<{ role: string }>(
    `SELECT role FROM role_bindings WHERE project = $1 AND issuer = $2 AND subject = $3`,
    [project, account.issuer, account.subject],
  );
  return res.rows[0]?.role;
}

/** Counts the admins of a project. */
export async function countProjectAdmins(db: Queryable, project: string): Promise<number> {
  const res = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM role_bindings WHERE project = $1 AND role = 'admin'`,
    [project],
  );
  return res.rows[0]!.n;
}

/** Creates or replaces a user's binding on a project. */
export async function upsertBinding(
  db: Queryable,
  b: { project: string; issuer: string; subject: string; role: string; createdBy: string },
): Promise<Date> {
  const res = await db.query<{ created_at: Date }>(
    `INSERT INTO role_bindings (project, issuer, subject, role, created_by)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (project, issuer, subject) DO UPDATE
       SET role = EXCLUDED.role, created_by = EXCLUDED.created_by, created_at = now()
     RETURNING created_at`,
    [b.project, b.issuer, b.subject, b.role, b.createdBy],
  );
  return res.rows[0]!.created_at;
}

/** Grants a user the admin role on a project unless it holds a binding there already. */
export async function insertAdminBinding(
  db: Queryable,
  b: { project: string; issuer: string; subject: string; createdBy: string },
): Promise<void> {
  await db.query(
    `INSERT INTO role_bindings (project, issuer, subject, role, created_by)
     VALUES ($1, $2, $3, 'admin', $4) ON CONFLICT (project, issuer, subject) DO NOTHING`,
    [b.project, b.issuer, b.subject, b.createdBy],
  );
}

/** Deletes a binding; returns whether one existed. */
export async function deleteBinding(
  db: Queryable,
  project: string,
  account: { issuer: string; subject: string },
): Promise<boolean> {
  const res = await db.query(
    `DELETE FROM role_bindings WHERE project = $1 AND issuer = $2 AND subject = $3`,
    [project, account.issuer, account.subject],
  );
  return (res.rowCount ?? 0) > 0;
}

const bindingSelect = `SELECT b.project, u.username, b.role, b.created_at, b.created_by
  FROM role_bindings b JOIN users u ON u.issuer = b.issuer AND u.subject = b.subject`;

/** Lists a project's bindings ordered by username, after a username. */
export async function listProjectBindings(
  db: Queryable,
  project: string,
  opts: { after?: string; limit: number },
): Promise<BindingRow[]> {
  const res = await db.query<BindingRow>(
    `${bindingSelect}
      WHERE b.project = $1 AND ($2::text IS NULL OR u.username > $2)
      ORDER BY u.username LIMIT $3`,
    [project, opts.after ?? null, opts.limit],
  );
  return res.rows;
}

/** Lists every binding of one account, ordered by project. */
export async function listAccountBindings(
  db: Queryable,
  account: { issuer: string; subject: string },
): Promise<BindingRow[]> {
  const res = await db.query<BindingRow>(
    `${bindingSelect} WHERE b.issuer = $1 AND b.subject = $2 ORDER BY b.project`,
    [account.issuer, account.subject],
  );
  return res.rows;
}

/** Reads the project and role of every binding of one account. */
export async function selectAccountRoles(
  db: Queryable,
  account: { issuer: string; subject: string },
): Promise<{ project: string; role: string }[]> {
  const res = await db.query<{ project: string; role: string }>(
    `SELECT project, role FROM role_bindings WHERE issuer = $1 AND subject = $2`,
    [account.issuer, account.subject],
  );
  return res.rows;
}
