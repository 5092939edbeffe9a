import type { Queryable } from "@guardian/db";
import { projectNotFound } from "./error-map.js";
import { selectProjectVersion } from "@guardian/authz";

/** Fails with NotFound unless the project exists. */
export async function requireProject(db: Queryable, project: string): Promise<void> {
  if ((await selectProjectVersion(db, project)) === undefined) throw projectNotFound(project);
}
