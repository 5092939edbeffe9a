import type { ConnectRouter } from "@connectrpc/connect";
import { AuthService } from "@guardian/api";

/** Dependencies of the auth service routes. */
export type AuthRoutesDeps = Record<string, never>;

/**
 * Registers `guardian.auth.v1.AuthService` on a router. Methods without a handler answer
 * with the Unimplemented code.
 */
export function createAuthRoutes(_deps: AuthRoutesDeps = {}): (router: ConnectRouter) => void {
  return (router) => {
    router.service(AuthService, {});
  };
}
