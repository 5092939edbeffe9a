import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import { StoreService } from "@guardian/api";
import { mapErrors } from "@guardian/kit";
import type { StoreServiceDeps } from "./deps.js";
import { traceEngine } from "./engine/traced-engine.js";
import { toStoreConnectError } from "./error-map.js";
import { createCompactionHandlers } from "./handlers/compaction.js";
import { createHistoryHandlers } from "./handlers/history.js";
import { createReadHandlers } from "./handlers/reads.js";
import { createWatchHandlers } from "./handlers/watch.js";
import { createWriteHandlers } from "./handlers/writes.js";

/**
 * Creates the StoreService implementation over a store engine. Every handler runs
 * validate → (authorization happens in the interceptor) → engine call → map the result;
 * failures are mapped to Connect codes in one place ({@link toStoreConnectError}).
 */
export function createStoreService(store: StoreServiceDeps): ServiceImpl<typeof StoreService> {
  // Each engine operation is a span of its own (with tracing on).
  const deps = { ...store, engine: traceEngine(store.engine) };
  return mapErrors(
    StoreService,
    {
      ...createWriteHandlers(deps),
      ...createReadHandlers(deps),
      ...createHistoryHandlers(deps),
      ...createWatchHandlers(deps),
      ...createCompactionHandlers(deps),
    },
    toStoreConnectError,
  );
}

/** Registers `guardian.store.v1.StoreService` on a router. */
export function createStoreRoutes(deps: StoreServiceDeps): (router: ConnectRouter) => void {
  const service = createStoreService(deps);
  return (router) => {
    router.service(StoreService, service);
  };
}
