import type { ConnectRouter, HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { SchemaService } from "@guardian/api";
import { requestIdKey } from "@guardian/kit";
import { auditSchemaMutations } from "./audit.js";
import { handlerDeps, type SchemaRoutesDeps } from "./deps.js";
import { toSchemaConnectError } from "./error-map.js";
import { createDocumentHandlers } from "./handlers/documents.js";
import { createDryRunHandlers } from "./handlers/dry-run.js";
import { createSchemaHandlers } from "./handlers/schemas.js";
import { createVersionHandlers } from "./handlers/versions.js";

type Impl = ServiceImpl<typeof SchemaService>;
type UnaryHandler = (req: { project: string; name?: string }, ctx: HandlerContext) => unknown;

/**
 * Creates the SchemaService implementation. Every handler runs validate (including the
 * size limit and checking a candidate schema document) → (authorization happens in the
 * interceptor) → database and store calls → map the result; failures are mapped to Connect
 * codes in one place ({@link toSchemaConnectError}).
 */
export function createSchemaService(deps: SchemaRoutesDeps): Impl {
  const shared = handlerDeps(deps);
  const impl: Impl = {
    ...createSchemaHandlers(shared),
    ...createVersionHandlers(shared),
    ...createDocumentHandlers(shared),
    ...createDryRunHandlers(shared),
  };
  const wrapped: Record<string, UnaryHandler> = {};
  for (const [method, handler] of Object.entries(impl) as Array<[string, UnaryHandler]>) {
    wrapped[method] = async (req, ctx) => {
      try {
        return await handler(req, ctx);
      } catch (err) {
        const { project, name } = req;
        throw toSchemaConnectError(err, { project, name, requestId: ctx.values.get(requestIdKey) });
      }
    };
  }
  return wrapped as unknown as Impl;
}

/** Registers `guardian.schema.v1.SchemaService` on a router; every mutation is audited. */
export function createSchemaRoutes(deps: SchemaRoutesDeps): (router: ConnectRouter) => void {
  return (router) => {
    router.service(SchemaService, auditSchemaMutations(createSchemaService(deps), deps.pool));
  };
}
