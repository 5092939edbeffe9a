import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
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
 * Records the audit event of a mutation BEFORE it runs, as 'pending', and returns its id. A
 * mutation whose audit record cannot be written does not happen: this throws Unavailable and
 * the caller must not run the mutation.
 */
export async function beginAudit(
  pool: pg.Pool,
  ctx: HandlerContext,
  req: { project?: string; key?: string },
): Promise<string> {
  const project = req.project ?? "";
  const target = req.key ? `projects/${project}/configs/${req.key}` : `projects/${project}`;
  try {
    return await recordAudit(pool, { ...auditContext(ctx), project, target, result: "pending" });
  } catch (err) {
    throw new ConnectError(
      "the audit log cannot be written, so nothing was changed; retry later",
      Code.Unavailable,
      undefined,
      undefined,
      err,
    );
  }
}

/**
 * Settles a pending audit event with the mutation's outcome: the resulting revision or
 * version, or the error code. If this fails the event stays 'pending' (outcome unconfirmed)
 * and the failure is logged; the mutation itself already happened and is not undone.
 */
export async function settleAudit(
  pool: pg.Pool,
  ctx: HandlerContext,
  id: string,
  outcome: { response: unknown } | { error: ConnectError },
): Promise<void> {
  const settled =
    "error" in outcome
      ? { ...auditOutcome(outcome.error), detail: {} }
      : { result: "ok", errorCode: "", detail: detailOf(outcome.response) };
  try {
    await settleAuditRow(pool, id, settled);
  } catch (err) {
    ctx.values.get(loggerKey).warn({ err, auditId: id }, "settling an audit event failed");
  }
}

/** Sets the result of one audit event. */
async function settleAuditRow(
  db: pg.Pool,
  id: string,
  s: { result: string; errorCode: string; detail: Record<string, unknown> },
): Promise<void> {
  await db.query("UPDATE audit_log SET result = $2, error_code = $3, detail = $4 WHERE id = $1", [
    id,
    s.result,
    s.errorCode,
    JSON.stringify(s.detail),
  ]);
}

/** The facts of a response worth keeping: the revision a config write made, a project version. */
function detailOf(response: unknown): Record<string, unknown> {
  const r = response as { revision?: unknown; project?: { version?: unknown } };
  const detail: Record<string, unknown> = {};
  if (typeof r.revision === "bigint") detail["revision"] = r.revision.toString();
  if (typeof r.project?.version === "bigint") detail["version"] = r.project.version.toString();
  return detail;
}
