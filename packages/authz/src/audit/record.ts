import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { DescMethod } from "@bufbuild/protobuf";
import {
  codeName,
  principalOf,
  remoteAddressKey,
  requestIdKey,
  type Principal,
} from "@guardian/kit";
import type { AuditEventInit, AuditResultName } from "../sql/audit-log.js";

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

/** What a running mutation adds to its audit event once it knows more (see `auditDetail`). */
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
