import type { Queryable } from "@guardian/db";

/** Tells whether a project exists. */
export async function projectExists(db: Queryable, project: string): Promise<boolean> {
  const res = await db.query("SELECT 1 FROM projects WHERE name = $1", [project]);
  return res.rowCount === 1;
}
