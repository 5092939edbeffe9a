import type { ConnectRouter, HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { AuthService } from "@guardian/api";
import { requestIdKey } from "@guardian/kit";
import type { AuthServiceDeps } from "./deps.js";
import { toAuthError } from "./error-map.js";
import { createApiKeyHandlers } from "./handlers/api-keys.js";
import { createAuditHandlers } from "./handlers/audit.js";
import { createIdentityHandlers } from "./handlers/identity.js";
import { createRoleBindingHandlers } from "./handlers/role-bindings.js";
import { createSessionHandlers } from "./handlers/sessions.js";
import { createUserHandlers } from "./handlers/users.js";

type Impl = ServiceImpl<typeof AuthService>;
type UnaryHandler = (req: unknown, ctx: HandlerContext) => Promise<unknown>;

/**
 * Creates the AuthService implementation. Every handler runs validate → authorize (the RBAC
 * interceptor, plus ownership checks in the handler) → database → map the result; failures
 * are mapped to Connect codes in one place ({@link toAuthError}).
 */
export function createAuthService(deps: AuthServiceDeps): Impl {
  const impl: Impl = {
    ...createSessionHandlers(deps),
    ...createIdentityHandlers(deps),
    ...createUserHandlers(deps),
    ...createRoleBindingHandlers(deps),
    ...createApiKeyHandlers(deps),
    ...createAuditHandlers(deps),
  };
  const wrapped: Record<string, UnaryHandler> = {};
  for (const [name, handler] of Object.entries(impl) as Array<[string, UnaryHandler]>) {
    wrapped[name] = async (req, ctx) => {
      try {
        return await handler(req, ctx);
      } catch (err) {
        throw toAuthError(err, ctx.values.get(requestIdKey));
      }
    };
  }
  return wrapped as unknown as Impl;
}

/** Registers `guardian.auth.v1.AuthService` on a router. */
export function createAuthRoutes(deps: AuthServiceDeps): (router: ConnectRouter) => void {
  const service = createAuthService(deps);
  return (router) => {
    router.service(AuthService, service);
  };
}
