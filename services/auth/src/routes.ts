import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import { AuthService } from "@guardian/api";
import { auditMutations } from "@guardian/authz";
import { mapErrors } from "@guardian/kit";
import { authAuditTable } from "./audit.js";
import type { AuthServiceDeps } from "./deps.js";
import { toAuthError } from "./error-map.js";
import { createApiKeyHandlers } from "./handlers/api-keys.js";
import { createAuditHandlers } from "./handlers/audit.js";
import { createIdentityHandlers } from "./handlers/identity.js";
import { createRoleBindingHandlers } from "./handlers/role-bindings.js";
import { createSessionHandlers } from "./handlers/sessions.js";
import { createUserHandlers } from "./handlers/users.js";

/**
 * Creates the AuthService implementation. Every handler runs validate → authorize (the RBAC
 * interceptor, plus ownership checks in the handler) → database → map the result; failures
 * are mapped to Connect codes in one place ({@link toAuthError}).
 */
export function createAuthService(deps: AuthServiceDeps): ServiceImpl<typeof AuthService> {
  const impl: ServiceImpl<typeof AuthService> = {
    ...createSessionHandlers(deps),
    ...createIdentityHandlers(deps),
    ...createUserHandlers(deps),
    ...createRoleBindingHandlers(deps),
    ...createApiKeyHandlers(deps),
    ...createAuditHandlers(deps),
  };
  return mapErrors(AuthService, impl, toAuthError);
}

/** Registers `guardian.auth.v1.AuthService` on a router; every mutation is audited. */
export function createAuthRoutes(deps: AuthServiceDeps): (router: ConnectRouter) => void {
  const service = auditMutations(AuthService, createAuthService(deps), deps.pool, authAuditTable);
  return (router) => {
    router.service(AuthService, service);
  };
}
