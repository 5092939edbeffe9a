import type { Queryable } from "@guardian/db";

/** Tells whether a project exists; `lock` serialises binding changes of the project. */
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
