import type { Queryable } from "@guardian/db";
import type { CatalogCache } from "@guardian/schema-service";
import { projectNotFound } from "./error-map.js";
import { selectProjectVersion } from "@guardian/authz";

/**
 * Fails with NotFound unless the project exists: from the catalog cache when one is given
 * (a project deleted is forgotten at once here and right after commit elsewhere), otherwise
 * from PostgreSQL.
 */
export async function requireProject(
  db: Queryable,
  project: string,
  catalog?: CatalogCache,
): Promise<void> {
  const exists = catalog
    ? await catalog.projectExists(project)
    : (await selectProjectVersion(db, project)) !== undefined;
  if (!exists) throw projectNotFound(project);
}
