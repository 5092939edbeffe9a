import type { SchemaService } from "@guardian/api";
import type { AuditTable } from "@guardian/authz";

type Named = { project: string; name: string };
type Written = { schemaVersion?: { version?: number }; created?: boolean };

const target = (req: Named) => ({
  project: req.project,
  target: `projects/${req.project}/schemas/${req.name}`,
});

/** The facts of a schema mutation's response worth keeping: the version it wrote. */
function written(_req: Named, res: Written): Record<string, unknown> {
  const detail: Record<string, unknown> = {};
  if (typeof res.schemaVersion?.version === "number") detail["version"] = res.schemaVersion.version;
  if (typeof res.created === "boolean") detail["created"] = res.created;
  return detail;
}

/**
 * The audited SchemaService mutations: each targets `projects/<project>/schemas/<name>`,
 * and a successful create or added version records the version written (and, for
 * AddSchemaVersion, whether one was created).
 */
export const schemaAuditTable: AuditTable<typeof SchemaService> = {
  createSchema: { target, detail: written },
  addSchemaVersion: { target, detail: written },
  updateSchema: { target },
  deleteSchema: { target },
};
