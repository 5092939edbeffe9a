import { selectProjectVersion } from "@guardian/authz";
import type { ConfigDeps } from "./deps.js";
import { projectNotFound } from "./error-map.js";

/**
 * Fails with NotFound unless the project exists: from the catalog cache when the service
 * has one (a project deleted is forgotten at once here and right after commit elsewhere),
 * otherwise from PostgreSQL.
 */
export async function requireProject(
  deps: Pick<ConfigDeps, "pool" | "catalog">,
  project: string,
): Promise<void> {
  const exists = deps.catalog
    ? await deps.catalog.projectExists(project)
    : (await selectProjectVersion(deps.pool, project)) !== undefined;
  if (!exists) throw projectNotFound(project);
}
