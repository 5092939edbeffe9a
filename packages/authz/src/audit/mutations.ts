import type { DescService } from "@bufbuild/protobuf";
import {
  ConnectError,
  createContextKey,
  type HandlerContext,
  type ServiceImpl,
} from "@connectrpc/connect";
import type { Queryable } from "@guardian/db";
import { isOutcomeUnknown } from "@guardian/kit";
import { carriedAuditKey, type CarriedAudit } from "./carried.js";
import { beginAudit, recordSettledAudit, settleAudit, type AuditTarget } from "./pending.js";
import { auditContext, type AuditDraft } from "./record.js";

/** How one mutation is audited: the resource it acts on and the facts of its response. */
export interface AuditedMutation<Req = never, Res = never> {
  /**
   * The audit target, known before the mutation runs from the request (and, for a target
   * such as the caller's own account, from the call's context).
   */
  target(req: Req, ctx: HandlerContext): AuditTarget;
  /** The facts of a successful response worth keeping, for example the revision written. */
  detail?(req: Req, res: Res): Record<string, unknown>;
  /**
   * The handler makes its change through a write path that can carry the audit event in the
   * change's own transaction ({@link carriedAuditKey}); used when `auditMutations` is told
   * the write path shares the audit log's database (`carry`).
   */
  carried?: boolean;
}

/** Options of {@link auditMutations}. */
export interface AuditMutationsOptions {
  /**
   * The write path of the `carried` mutations commits in the audit log's database and writes
   * their events in its own transactions (the SQL store engine in this process).
   */
  carry?: boolean;
}

type MethodsOf<S extends DescService> = S["method"];

/** The audited mutations of a service, by the methods' local names. */
export type AuditTable<S extends DescService> = {
  [K in keyof MethodsOf<S>]?: AuditedMutation<
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    any,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    any
  >;
};

const draftKey = createContextKey<AuditDraft | undefined>(undefined, {
  description: "the audit event of the running mutation",
});

/**
 * Adds facts that only the handler knows (for example whether a key was already revoked)
 * to the audit event of the running mutation. Does nothing outside an audited mutation.
 */
export function auditDetail(
  ctx: Pick<HandlerContext, "values">,
  fields: Record<string, unknown>,
): void {
  const draft = ctx.values.get(draftKey);
  if (draft) Object.assign(draft.detail, fields);
}

/**
 * Names the audit target once the handler knows it (for example the id of a key it just
 * created). Does nothing outside an audited mutation.
 */
export function auditTarget(
  ctx: Pick<HandlerContext, "values">,
  about: Partial<AuditTarget>,
): void {
  const draft = ctx.values.get(draftKey);
  if (!draft) return;
  if (about.target !== undefined) draft.target = about.target;
  if (about.project !== undefined) draft.project = about.project;
}

/**
 * Audits the mutations of a service, the one way every Guardian service does it. Each call
 * of a method in `table` writes its event as 'pending' BEFORE it runs: an event that cannot
 * be written stops the mutation (Unavailable) and nothing runs. The event is then settled
 * with the outcome: 'ok' with the response's facts, or 'failed'/'denied' with the code of
 * the error the client gets. A call whose outcome is unknown (a dependency may or may not
 * have applied it) stays 'pending' for the audit sweep. The action is the procedure name.
 *
 * With `carry`, a `carried` mutation writes no pending event: its change's transaction
 * writes the event, settled, with the change (see {@link CarriedAudit}), so that the event
 * exists exactly when the change does, even when the outcome is unknown to this process. When
 * the mutation changed nothing (it failed, or replayed an earlier write), the event is
 * written settled once the outcome is known.
 *
 * Wrap the implementation whose errors are already mapped, so that the event records the
 * code the client sees: `auditMutations(S, mapErrors(S, impl, toError), pool, table)`.
 */
export function auditMutations<S extends DescService, I extends Partial<ServiceImpl<S>>>(
  service: S,
  impl: I,
  db: Queryable,
  table: AuditTable<S>,
  opts: AuditMutationsOptions = {},
): I {
  const wrapped: Record<string, unknown> = { ...impl };
  for (const [name, mutation] of Object.entries(table) as [
    string,
    AuditedMutation<unknown, unknown>,
  ][]) {
    const handler = (
      impl as Record<string, ((req: unknown, ctx: HandlerContext) => unknown) | undefined>
    )[name];
    if (handler === undefined || service.method[name]?.methodKind !== "unary") continue;
    if (opts.carry && mutation.carried) {
      wrapped[name] = carriedHandler(mutation, handler, db);
      continue;
    }
    wrapped[name] = async (req: unknown, ctx: HandlerContext) => {
      const about = mutation.target(req, ctx);
      const id = await beginAudit(db, ctx, about);
      const draft: AuditDraft = { ...about, detail: {} };
      ctx.values.set(draftKey, draft);
      let res: unknown;
      try {
        res = await handler(req, ctx);
      } catch (err) {
        const error = ConnectError.from(err);
        if (!isOutcomeUnknown(error)) {
          await settleAudit(db, ctx, id, { error, detail: draft.detail, ...moved(about, draft) });
        }
        throw err;
      }
      const detail = { ...mutation.detail?.(req, res), ...draft.detail };
      await settleAudit(db, ctx, id, { detail, ...moved(about, draft) });
      return res;
    };
  }
  return wrapped as I;
}

/** The target fields a handler changed, to be written with the outcome. */
function moved(before: AuditTarget, draft: AuditDraft): Partial<AuditTarget> {
  const out: Partial<AuditTarget> = {};
  if (draft.target !== undefined && draft.target !== before.target) out.target = draft.target;
  if (draft.project !== undefined && draft.project !== before.project) out.project = draft.project;
  return out;
}

/**
 * Runs a mutation whose event rides on its change (see {@link auditMutations}'s `carry`). When
 * the change committed, its transaction wrote the event. Otherwise nothing changed and the
 * outcome is written now; an unknown outcome writes nothing, since the event was committed
 * exactly if the change was.
 */
function carriedHandler(
  mutation: AuditedMutation<unknown, unknown>,
  handler: (req: unknown, ctx: HandlerContext) => unknown,
  db: Queryable,
) {
  return async (req: unknown, ctx: HandlerContext) => {
    const about = mutation.target(req, ctx);
    // Facts the handler adds (auditDetail) before its change commits are written with it.
    const draft: AuditDraft = { ...about, detail: {} };
    ctx.values.set(draftKey, draft);
    const event = { ...auditContext(ctx), ...about, result: "ok" as const, detail: draft.detail };
    const carried: CarriedAudit = { event, written: false };
    ctx.values.set(carriedAuditKey, carried);
    let res: unknown;
    try {
      res = await handler(req, ctx);
    } catch (err) {
      const error = ConnectError.from(err);
      if (!carried.written && !isOutcomeUnknown(error)) {
        await recordSettledAudit(db, ctx, event, {
          error,
          detail: draft.detail,
          ...moved(about, draft),
        });
      }
      throw err;
    }
    if (!carried.written) {
      const detail = { ...mutation.detail?.(req, res), ...draft.detail };
      await recordSettledAudit(db, ctx, event, { detail, ...moved(about, draft) });
    }
    return res;
  };
}
