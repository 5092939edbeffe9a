import type { ConnectRouter } from "@connectrpc/connect";
import { ConfigService } from "@guardian/api";

/** Dependencies of the config service routes. */
export type ConfigRoutesDeps = Record<string, never>;

/**
 * Registers `guardian.config.v1.ConfigService` on a router. Methods without a handler answer
 * with the Unimplemented code.
 */
export function createConfigRoutes(_deps: ConfigRoutesDeps = {}): (router: ConnectRouter) => void {
  return (router) => {
    router.service(ConfigService, {});
  };
}
