import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { Queryable } from "@guardian/db";
import { loggerKey } from "@guardian/kit";
import { auditWriterFor } from "./audit-writer.js";
import { auditUnwritableMessage } from "./carried.js";
import { auditContext, auditOutcome } from "./record.js";
import type { AuditEventInit, AuditResultName } from "../sql/audit-log.js";

/** The resource a mutation acts on, as its audit event names it. */
export interface AuditTarget {
  /** The project of the target; empty for global resources. */
  project: string;
  /** For example `projects/payments/configs/eu/limits` or `projects/payments/schemas/limits`. */
  target: string;
}

/**
 * Records the audit event of a mutation BEFORE it runs, as 'pending', and returns its id. A
 * mutation whose audit record cannot be written does not happen: this throws Unavailable and
 * the caller must not run the mutation. The action is the procedure name, as for every RPC.
 * The events of concurrent mutations are written together (see `auditWriterFor`).
 */
export async function beginAudit(
  db: Queryable,
  ctx: HandlerContext,
  about: AuditTarget,
): Promise<string> {
  try {
    return await auditWriterFor(db).begin({
      ...auditContext(ctx),
      ...about,
      result: "pending",
    });
  } catch (err) {
    throw new ConnectError(auditUnwritableMessage, Code.Unavailable, undefined, undefined, err);
  }
}

/** What a mutation ended with: its response (and the facts worth keeping), or its error. */
export type AuditSettlement = (
  { detail: Record<string, unknown> } | { error: ConnectError; detail?: Record<string, unknown> }
) &
  /** The target, when the mutation learned it only while running (e.g. a generated id). */
  Partial<AuditTarget>;

/** The result, error code and detail of an event settled with `outcome`. */
function settledFields(
  outcome:
    { detail: Record<string, unknown> } | { error: ConnectError; detail?: Record<string, unknown> },
): { result: AuditResultName; errorCode: string; detail: Record<string, unknown> } {
  return "error" in outcome
    ? { ...auditOutcome(outcome.error), detail: outcome.detail ?? {} }
    : { result: "ok", errorCode: "", detail: outcome.detail };
}

/**
 * Settles a pending audit event with the mutation's outcome: 'ok' with the facts of the
 * response, or 'failed'/'denied' with the error code. Only a pending event is changed, so a
 * sweep that got there first is never overwritten. If this fails the event stays 'pending'
 * and the failure is logged; the mutation itself already happened and is not undone. The
 * settlements of concurrent mutations are written together (see `auditWriterFor`).
 */
export async function settleAudit(
  db: Queryable,
  ctx: Pick<HandlerContext, "values">,
  id: string,
  outcome: AuditSettlement,
): Promise<void> {
  const settled = { ...settledFields(outcome), target: outcome.target, project: outcome.project };
  try {
    await auditWriterFor(db).settle({ id, ...settled });
  } catch (err) {
    ctx.values.get(loggerKey).warn({ err, auditId: id }, "settling an audit event failed");
  }
}

/**
 * Writes the event of a mutation that changed nothing (it failed, or replayed an earlier
 * write) once its outcome is known, already settled, in the same way {@link settleAudit}
 * settles a pending one. A failure is logged: nothing was changed that the event would record.
 */
export async function recordSettledAudit(
  db: Queryable,
  ctx: Pick<HandlerContext, "values">,
  event: Omit<AuditEventInit, "result" | "errorCode" | "detail">,
  outcome: AuditSettlement,
): Promise<void> {
  const about = {
    target: outcome.target ?? event.target,
    project: outcome.project ?? event.project,
  };
  try {
    await auditWriterFor(db).record({ ...event, ...settledFields(outcome), ...about });
  } catch (err) {
    ctx.values.get(loggerKey).warn({ err }, "writing an audit event failed");
  }
}
