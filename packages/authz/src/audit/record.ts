import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { DescMethod } from "@bufbuild/protobuf";
import { withTransaction, type Queryable } from "@guardian/db";
import {
  codeName,
  principalOf,
  remoteAddressKey,
  requestIdKey,
  type Principal,
} from "@guardian/kit";
import type pg from "pg";

/** The outcome of an audited action, as stored (see guardian.auth.v1.AuditResult). */
export type AuditResultName = "ok" | "denied" | "failed" | "pending";

/** The kind of the actor, as stored; empty for unauthenticated callers. */
export type AuditActorKind = Exclude<Principal["kind"], "anonymous"> | "";

/** One audit event to write. Never put secrets, passwords, tokens or config content in it. */
export interface AuditEventInit {
  /** Who acted: a username, `apikey:<id>`, or empty for unauthenticated callers. */
  actor: string;
  actorKind: AuditActorKind;
  /** The procedure without its leading slash, or `auth.<event>` for other events. */
  action: string;
  /** The resource acted on, for example `users/ada` or `projects/payments/apikeys/ak_1`. */
  target?: string;
  /** The project of the target; empty or unset for global resources. */
  project?: string;
  requestId?: string;
  result: AuditResultName;
  /** For failed or denied actions: the Connect code name, for example `permission_denied`. */
  errorCode?: string;
  /** Action-specific facts, for example `{ role: "ROLE_EDITOR" }`. */
  detail?: Record<string, unknown>;
  /**
   * The client's address as the server resolved it (`remoteAddressKey`): the peer, or the
   * x-forwarded-for entry of the outermost trusted proxy (GUARDIAN_TRUSTED_PROXY_HOPS).
   */
  remoteAddress?: string;
}

/**
 * Writes one audit event and returns its id. Pass the transaction's client to make the event
 * part of a mutation, so that either both are stored or neither is.
 */
export async function recordAudit(db: Queryable, event: AuditEventInit): Promise<string> {
  const res = await db.query<{ id: string }>(
    `INSERT INTO audit_log
       (actor, actor_kind, action, target, project, request_id, result, error_code, detail, remote_address)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     RETURNING id::text`,
    [
      event.actor,
      event.actorKind,
      event.action,
      event.target ?? "",
      event.project || null,
      event.requestId ?? "",
      event.result,
      event.errorCode ?? "",
      JSON.stringify(event.detail ?? {}),
      event.remoteAddress ?? "",
    ],
  );
  return res.rows[0]!.id;
}

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
      await client.query(
        `UPDATE audit_log SET target = $2, project = $3, detail = $4 WHERE id = $1`,
        [id, draft.target ?? "", draft.project || null, JSON.stringify(draft.detail)],
      );
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
