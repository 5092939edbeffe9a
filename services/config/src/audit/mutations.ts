import type { ConfigService } from "@guardian/api";
import type { AuditTable, AuditTarget } from "@guardian/authz";

/** The audit target of a config service request: a config, or a project. */
function configAuditTarget(req: { project?: string; key?: string }): AuditTarget {
  const project = req.project ?? "";
  const target = req.key ? `projects/${project}/configs/${req.key}` : `projects/${project}`;
  return { project, target };
}

/** A project's history retention policy, as a response carries it. */
interface RetentionShape {
  maxAgeDays: number;
  minRevisionsPerConfig: number;
}

/**
 * The facts of a response worth keeping: the revision a write made, a project's version, and
 * a project's history retention policy when the request set it.
 */
function detailOf(request: unknown, response: unknown): Record<string, unknown> {
  const q = request as { historyRetention?: unknown; updateMask?: { paths: string[] } };
  const r = response as {
    revision?: unknown;
    project?: { version?: unknown; historyRetention?: RetentionShape };
  };
  const detail: Record<string, unknown> = {};
  if (typeof r.revision === "bigint") detail["revision"] = r.revision.toString();
  if (typeof r.project?.version === "bigint") detail["version"] = r.project.version.toString();
  const setsRetention = q.updateMask
    ? q.updateMask.paths.includes("history_retention")
    : q.historyRetention !== undefined;
  const policy = r.project?.historyRetention;
  if (setsRetention && policy) {
    detail["history_retention"] = {
      max_age_days: policy.maxAgeDays,
      min_revisions_per_config: policy.minRevisionsPerConfig,
    };
  }
  return detail;
}

const audited = { target: configAuditTarget, detail: detailOf };

/** A config write: one store write, which can carry its audit event (`auditWithStore`). */
const configWrite = { ...audited, carried: true };

/** The mutations of ConfigService: each call of one is written to the audit log. */
export const configAuditTable: AuditTable<typeof ConfigService> = {
  createProject: audited,
  updateProject: audited,
  deleteProject: audited,
  createConfig: configWrite,
  updateConfig: configWrite,
  deleteConfig: configWrite,
  rollbackConfig: configWrite,
};
