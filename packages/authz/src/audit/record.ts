import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { DescMethod } from "@bufbuild/protobuf";
import { withTransaction } from "@guardian/db";
import {
  codeName,
  principalOf,
  remoteAddressKey,
  requestIdKey,
  type Principal,
} from "@guardian/kit";
import type pg from "pg";
import {
  recordAudit,
  updateAuditDraft,
  type AuditEventInit,
  type AuditResultName,
} from "../sql/audit-log.js";

/** Returns the procedure name of a method without the leading slash, the `action` of an RPC. */
export function procedureOf(method: DescMethod): string {
  return `${method.parent.typeName}/${method.name}`;
}

/** Returns the actor fields of an audit event for a principal. */
export function actorOf(principal: Principal): Pick<AuditEventInit, "actor" | "actorKind"> {
  return principal.kind === "anonymous"
    ? { actor: "", actorKind: "" }
    : { actor: principal.name, actorKind: principal.kind };
}

/**
 * Returns the audit fields every RPC handler knows: the caller (from `principalKey`), the
 * procedure as action, the request id and the client address.
 */
export function auditContext(
  ctx: Pick<HandlerContext, "values" | "method">,
): Omit<AuditEventInit, "result"> {
  return {
    ...actorOf(principalOf(ctx)),
    action: procedureOf(ctx.method),
    requestId: ctx.values.get(requestIdKey),
    remoteAddress: ctx.values.get(remoteAddressKey),
  };
}

/** What the mutation of {@link withAudit} may add to its audit event once it knows more. */
export interface AuditDraft {
  target?: string;
  project?: string;
  detail: Record<string, unknown>;
}

/** Returns the audit result and error code for an error that ended an action. */
export function auditOutcome(err: unknown): { result: AuditResultName; errorCode: string } {
  const code = err instanceof ConnectError ? err.code : Code.Internal;
  const denied = code === Code.PermissionDenied || code === Code.Unauthenticated;
  return { result: denied ? "denied" : "failed", errorCode: codeName(code) };
}

/**
 * Runs a mutation together with its audit event: a mutation whose audit record cannot be
 * written does not happen.
 *
 * Semantics: one transaction on a client of `pool`. The event is inserted FIRST (result
 * "ok"); then `fn` runs with the same client and may fill in `draft` (target, project,
 * detail such as the new revision); the event is updated with the draft and the transaction
 * commits. If `fn` throws, everything rolls back and a "failed" (or "denied") event with the
 * error code is written on its own, best effort, before the error is rethrown.
 *
 * - SQL mutations: run every statement on the `client` handed to `fn` (never on `pool`: in
 *   embedded mode the pool has a single connection). Mutation and event commit atomically.
 * - Mutations elsewhere (the store, etcd): call them inside `fn`. Because the event is
 *   written before the call, a database outage stops the mutation. The remaining window is
 *   a commit that fails after the external write succeeded; the external write must then be
 *   idempotent or carry its own record (the store keeps author and request id per revision).
 */
export async function withAudit<T>(
  pool: pg.Pool,
  event: Omit<AuditEventInit, "result" | "errorCode">,
  fn: (client: pg.PoolClient, draft: AuditDraft) => Promise<T>,
): Promise<T> {
  const draft: AuditDraft = {
    target: event.target,
    project: event.project,
    detail: { ...event.detail },
  };
  try {
    return await withTransaction(pool, async (client) => {
      const id = await recordAudit(client, { ...event, result: "ok" });
      const result = await fn(client, draft);
      await updateAuditDraft(client, id, draft);
      return result;
    });
  } catch (err) {
    try {
      await recordAudit(pool, { ...event, ...draft, ...auditOutcome(err) });
    } catch {
      // The action already failed and its error is what the caller must see.
    }
    throw err;
  }
}
