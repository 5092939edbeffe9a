import type { ConnectError, HandlerContext } from "@connectrpc/connect";
import { auditContext, auditOutcome, recordAudit } from "@guardian/authz";
import { loggerKey } from "@guardian/kit";
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

/**
 * Writes the audit event of a mutation once its outcome is known: the actor, the procedure,
 * the target (`projects/<p>` or `projects/<p>/configs/<key>`), the request id and either the
 * resulting revision or version, or the error code. Config writes happen in the store, so
 * the event cannot share their transaction; a failure to record it is logged and does not
 * undo (or hide) the write, which the store itself records with author and request id.
 */
export async function auditMutation(
  pool: pg.Pool,
  ctx: HandlerContext,
  req: { project?: string; key?: string },
  outcome: { response: unknown } | { error: ConnectError },
): Promise<void> {
  const project = req.project ?? "";
  const target = req.key ? `projects/${project}/configs/${req.key}` : `projects/${project}`;
  const event = { ...auditContext(ctx), project, target };
  try {
    if ("error" in outcome) {
      await recordAudit(pool, { ...event, ...auditOutcome(outcome.error) });
    } else {
      await recordAudit(pool, { ...event, result: "ok", detail: detailOf(outcome.response) });
    }
  } catch (err) {
    ctx.values.get(loggerKey).warn({ err, target }, "writing an audit event failed");
  }
}

/** The facts of a response worth keeping: the revision a config write made, a project version. */
function detailOf(response: unknown): Record<string, unknown> {
  const r = response as { revision?: unknown; project?: { version?: unknown } };
  const detail: Record<string, unknown> = {};
  if (typeof r.revision === "bigint") detail["revision"] = r.revision.toString();
  if (typeof r.project?.version === "bigint") detail["version"] = r.project.version.toString();
  return detail;
}
