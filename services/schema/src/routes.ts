import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import { SchemaService } from "@guardian/api";
import { auditMutations } from "@guardian/authz";
import { mapErrors } from "@guardian/kit";
import { schemaAuditTable } from "./audit.js";
import { handlerDeps, type SchemaRoutesDeps } from "./deps.js";
import { toSchemaError } from "./error-map.js";
import { createDocumentHandlers } from "./handlers/documents.js";
import { createDryRunHandlers } from "./handlers/dry-run.js";
import { createSchemaHandlers } from "./handlers/schemas.js";
import { createVersionHandlers } from "./handlers/versions.js";

/**
 * Creates the SchemaService implementation. Every handler runs validate (including the
 * size limit and checking a candidate schema document) → (authorization happens in the
 * interceptor) → database and store calls → map the result; failures are mapped to Connect
 * codes in one place ({@link toSchemaError}).
 */
export function createSchemaService(deps: SchemaRoutesDeps): ServiceImpl<typeof SchemaService> {
  const shared = handlerDeps(deps);
  const impl: ServiceImpl<typeof SchemaService> = {
    ...createSchemaHandlers(shared),
    ...createVersionHandlers(shared),
    ...createDocumentHandlers(shared),
    ...createDryRunHandlers(shared),
  };
  return mapErrors(SchemaService, impl, toSchemaError);
}

/** Registers `guardian.schema.v1.SchemaService` on a router; every mutation is audited. */
export function createSchemaRoutes(deps: SchemaRoutesDeps): (router: ConnectRouter) => void {
  const service = auditMutations(
    SchemaService,
    createSchemaService(deps),
    deps.pool,
    schemaAuditTable,
  );
  return (router) => {
    router.service(SchemaService, service);
  };
}
