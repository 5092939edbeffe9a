import type { ConnectError, HandlerContext } from "@connectrpc/connect";
import { principalOf, requestIdKey } from "@guardian/kit";

/** One membership change, for the audit log. */
export interface ClusterAuditEvent {
  /** The RPC, for example "cluster.RemoveMember". */
  action: string;
  /** The member concerned, for example "members/8e9e05c52164694d". */
  target: string;
  actor: string;
  actorKind: string;
  requestId: string;
  result: "ok" | "failed";
  /** The request fields and, on failure, the code. */
  detail: Record<string, unknown>;
}

/** Receives audit events; the host writes them to the audit log. */
export type ClusterAuditSink = (event: ClusterAuditEvent) => void | Promise<void>;

/**
 * Creates the wrapper that runs a membership change and reports it to `audit` with the
 * caller and the outcome, whatever it is; failures are mapped by `fail` before reporting, so
 * the audit log records the code the client got.
 */
export function createAuditedRunner(
  audit: ClusterAuditSink | undefined,
  fail: (err: unknown, ctx: HandlerContext) => ConnectError,
) {
  return async function run<T>(
    ctx: HandlerContext,
    target: string,
    detail: Record<string, unknown>,
    change: () => Promise<T>,
  ): Promise<T> {
    const principal = principalOf(ctx);
    const report = async (result: "ok" | "failed", extra: Record<string, unknown> = {}) => {
      await audit?.({
        action: `cluster.${ctx.method.name}`,
        target,
        actor: principal.name,
        actorKind: principal.kind,
        requestId: ctx.values.get(requestIdKey),
        result,
        detail: { ...detail, ...extra },
      });
    };
    let out: T;
    try {
      out = await change();
    } catch (err) {
      const mapped = fail(err, ctx);
      await report("failed", { code: mapped.code, message: mapped.rawMessage });
      throw mapped;
    }
    await report("ok");
    return out;
  };
}
