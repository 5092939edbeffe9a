import type { ConnectError, HandlerContext } from "@connectrpc/connect";
import {
  beginAudit as beginPendingAudit,
  settleAudit as settlePendingAudit,
} from "@guardian/authz";
import type pg from "pg";

/** The RPCs that change something; each call of one is written to the audit log. */
const mutations = new Set([
  "createProject",
  "updateProject",
  "deleteProject",
  "createConfig",
  "updateConfig",
  "deleteConfig",
  "rollbackConfig",
]);

/** Tells whether a ConfigService method (by its local name) is audited. */
export function isMutation(method: string): boolean {
  return mutations.has(method);
}

/** The audit target of a config service request: a config, or a project. */
export function configAuditTarget(req: { project?: string; key?: string }): {
  project: string;
  target: string;
} {
  const project = req.project ?? "";
  const target = req.key ? `projects/${project}/configs/${req.key}` : `projects/${project}`;
  return { project, target };
}

/**
 * Records the audit event of a mutation BEFORE it runs, as 'pending', and returns its id. A
 * mutation whose audit record cannot be written does not happen: this throws Unavailable and
 * the caller must not run the mutation.
 */
export async function beginAudit(
  pool: pg.Pool,
  ctx: HandlerContext,
  req: { project?: string; key?: string },
): Promise<string> {
  return beginPendingAudit(pool, ctx, configAuditTarget(req));
}

/**
 * Settles a pending audit event with the mutation's outcome: the resulting revision or
 * version, or the error code. If this fails the event stays 'pending' and the failure is
 * logged; the mutation itself already happened and is not undone.
 */
export async function settleAudit(
  pool: pg.Pool,
  ctx: HandlerContext,
  id: string,
  outcome: { response: unknown } | { error: ConnectError },
): Promise<void> {
  await settlePendingAudit(
    pool,
    ctx,
    id,
    "error" in outcome ? outcome : { detail: detailOf(outcome.response) },
  );
}

/** The facts of a response worth keeping: the revision a config write made, a project version. */
function detailOf(response: unknown): Record<string, unknown> {
  const r = response as { revision?: unknown; project?: { version?: unknown } };
  const detail: Record<string, unknown> = {};
  if (typeof r.revision === "bigint") detail["revision"] = r.revision.toString();
  if (typeof r.project?.version === "bigint") detail["version"] = r.project.version.toString();
  return detail;
}
