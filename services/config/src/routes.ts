import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import { ConfigService, StoreService } from "@guardian/api";
import { auditMutations } from "@guardian/authz";
import { guardServiceClient, mapErrors } from "@guardian/kit";
import { configAuditTable } from "./audit/mutations.js";
import type { ConfigDeps } from "./deps.js";
import { toConfigError } from "./error-map.js";
import { createConfigHandlers } from "./handlers/configs.js";
import { createHistoryHandlers } from "./handlers/history.js";
import { createInstanceHandlers } from "./handlers/instances.js";
import { createProjectHandlers } from "./handlers/projects.js";
import { createReadConfigHandler } from "./handlers/read-config.js";
import { createWatchHandler } from "./handlers/watch.js";

type Impl = ServiceImpl<typeof ConfigService>;

/**
 * Creates the ConfigService implementation. Every handler runs validate → authorize →
 * PostgreSQL or store call → map the result; every failure is mapped by the one error table
 * ({@link toConfigError}) and every mutation is audited ({@link configAuditTable}); a config
 * write's event goes in the store's transaction when the store shares the pool
 * (`auditWithStore`).
 */
export function createConfigService(raw: ConfigDeps): Impl {
  // Store failures are classified once: a broken connection is Unavailable, never a conflict.
  const deps = { ...raw, store: guardServiceClient(StoreService, raw.store, ["write"]) };
  const impl: Impl = {
    ...createProjectHandlers(deps),
    ...createConfigHandlers(deps),
    ...createReadConfigHandler(deps),
    ...createHistoryHandlers(deps),
    ...createWatchHandler(deps),
    ...createInstanceHandlers(deps),
  };
  return auditMutations(
    ConfigService,
    mapErrors(ConfigService, impl, toConfigError),
    deps.pool,
    configAuditTable,
    { carry: deps.auditWithStore },
  );
}

/** Registers `guardian.config.v1.ConfigService` on a router. */
export function createConfigRoutes(deps: ConfigDeps): (router: ConnectRouter) => void {
  return (router) => {
    router.service(ConfigService, createConfigService(deps));
  };
}
