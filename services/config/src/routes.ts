import type { ConnectRouter, HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { ConfigService, StoreService } from "@guardian/api";
import { guardServiceClient, isOutcomeUnknown, requestIdKey } from "@guardian/kit";
import type pg from "pg";
import { beginAudit, isMutation, settleAudit } from "./audit/mutations.js";
import { createConfigHandlers } from "./handlers/configs.js";
import type { ConfigDeps } from "./deps.js";
import { toConfigError, type ErrorScope } from "./error-map.js";
import { createHistoryHandlers } from "./handlers/history.js";
import { createProjectHandlers } from "./handlers/projects.js";
import { createReadConfigHandler } from "./handlers/read-config.js";
import { createWatchHandler } from "./handlers/watch.js";

type Impl = ServiceImpl<typeof ConfigService>;
type Scoped = { project?: string; key?: string; idempotencyKey?: string };
type Handler = (req: Scoped, ctx: HandlerContext) => unknown;

const writes: Record<string, ErrorScope["write"]> = {
  createConfig: "create",
  updateConfig: "update",
  deleteConfig: "delete",
  rollbackConfig: "rollback",
};

/**
 * Wraps every handler so that each failure is mapped in one place ({@link toConfigError}) and
 * every mutation is written to the audit log with its outcome.
 */
function wrap(impl: Impl, pool: pg.Pool): Impl {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(impl) as [string, Handler][]) {
    const fail = (err: unknown, req: Scoped, ctx: HandlerContext) =>
      toConfigError(
        err,
        {
          project: req.project,
          key: req.key,
          idempotencyKey: req.idempotencyKey || undefined,
          write: writes[name],
          createProject: name === "createProject",
          watch: name === "watch",
        },
        ctx.values.get(requestIdKey),
      );
    wrapped[name] =
      name === "watch"
        ? async function* (req: Scoped, ctx: HandlerContext) {
            try {
              yield* fn(req, ctx) as AsyncIterable<unknown>;
            } catch (err) {
              throw fail(err, req, ctx);
            }
          }
        : async (req: Scoped, ctx: HandlerContext) => {
            // Audit first: a mutation whose audit record cannot be written does not happen.
            const auditId = isMutation(name) ? await beginAudit(pool, ctx, req) : undefined;
            let response: unknown;
            try {
              response = await fn(req, ctx);
            } catch (err) {
              const error = fail(err, req, ctx);
              // A write whose outcome is unknown stays 'pending': the audit sweep decides it
              // from the store later, instead of recording a failure that may have committed.
              if (auditId && !isOutcomeUnknown(error)) {
                await settleAudit(pool, ctx, auditId, { error });
              }
              throw error;
            }
            if (auditId) await settleAudit(pool, ctx, auditId, { response });
            return response;
          };
  }
  return wrapped as Impl;
}

/**
 * Creates the ConfigService implementation. Every handler runs validate → authorize →
 * PostgreSQL or store call → map the result; every failure is mapped in one place and every
 * mutation is audited.
 */
export function createConfigService(raw: ConfigDeps): Impl {
  // Store failures are classified once: a broken connection is Unavailable, never a conflict.
  const deps = { ...raw, store: guardServiceClient(StoreService, raw.store, ["write"]) };
  return wrap(
    {
      ...createProjectHandlers(deps),
      ...createConfigHandlers(deps),
      ...createReadConfigHandler(deps),
      ...createHistoryHandlers(deps),
      ...createWatchHandler(deps),
    },
    deps.pool,
  );
}

/** Registers `guardian.config.v1.ConfigService` on a router. */
export function createConfigRoutes(deps: ConfigDeps): (router: ConnectRouter) => void {
  return (router) => {
    router.service(ConfigService, createConfigService(deps));
  };
}
