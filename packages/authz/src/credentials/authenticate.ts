import { createContextKey } from "@connectrpc/connect";
import type { Queryable } from "@guardian/db";
import type { Logger, Principal } from "@guardian/kit";
import type { Accounts, ResolveOptions } from "../accounts/accounts.js";
import { mapRoles, type RoleMapping } from "../roles.js";
import type { TokenVerifier } from "../token/verifier.js";
import { authenticateApiKey } from "./api-key-auth.js";
import { credentialsOf, missingCredentials } from "./credential-headers.js";

/** Who a call's credentials belong to. */
export interface Authenticated {
  principal: Principal;
  /** A disabled user authenticates, but may do nothing. */
  disabled: boolean;
}

/**
 * Authenticates a call from its headers: `Authorization: Bearer <jwt>` (Keycloak or
 * built-in) or `x-api-key`. Throws Unauthenticated when they are missing or invalid.
 */
export type Authenticate = (header: Headers, resolve?: ResolveOptions) => Promise<Authenticated>;

/** Dependencies of {@link createAuthenticator}. */
export interface AuthenticatorDeps {
  /** Verifies bearer tokens of every trusted issuer. */
  verifier: TokenVerifier;
  /** Resolves users (recording Keycloak users on first sight) and their role bindings. */
  accounts: Accounts;
  /** Maps identity-provider role names to global roles. */
  roleMapping: RoleMapping;
  /** Where API keys are looked up. */
  db: Queryable;
  /** Receives failures that the caller does not see (last-used updates). */
  logger?: Pick<Logger, "warn">;
}

/**
 * The authentication of a call made from its headers before its body was read (by the
 * server's admission check), handed on to the RBAC interceptor so that it is done once.
 */
export const authenticatedKey = createContextKey<Authenticated | undefined>(undefined);

/** Creates the function that turns a call's credentials into its principal. */
export function createAuthenticator(deps: AuthenticatorDeps): Authenticate {
  return async (header, resolve = {}) => {
    const credentials = credentialsOf(header);
    if (!credentials) throw missingCredentials();
    if (credentials.kind === "api_key") {
      const principal = await authenticateApiKey(deps.db, credentials.secret, (err) =>
        deps.logger?.warn({ err }, "updating API key last use failed"),
      );
      return { principal, disabled: false };
    }
    const identity = await deps.verifier.verify(credentials.token);
    const account = identity.builtIn
      ? await deps.accounts.local(identity.subject, resolve)
      : await deps.accounts.external(
          {
            issuer: identity.issuer,
            subject: identity.subject,
            username: identity.username,
            ...(identity.email ? { email: identity.email } : {}),
            ...(identity.displayName ? { displayName: identity.displayName } : {}),
            globalRoles: mapRoles(deps.roleMapping, identity.roleNames),
            service: identity.service,
          },
          resolve,
        );
    const principal: Principal = {
      kind: account.serviceAccount ? "service" : "user",
      id: account.username,
      name: account.username,
      issuer: identity.issuer,
      subject: identity.subject,
      account: { issuer: account.issuer, subject: account.subject },
      ...(account.email ? { email: account.email } : {}),
      ...(account.displayName ? { displayName: account.displayName } : {}),
      // Local users' roles are read from the database, so a change applies before their
      // tokens expire; Keycloak users' roles come from the token they present.
      globalRoles: identity.builtIn
        ? account.globalRoles
        : mapRoles(deps.roleMapping, identity.roleNames),
      projectRoles: account.projectRoles,
      expiresAt: identity.expiresAt,
    };
    return { principal, disabled: account.disabled };
  };
}
