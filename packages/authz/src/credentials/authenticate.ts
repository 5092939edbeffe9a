import { createContextKey } from "@connectrpc/connect";
import type { Queryable } from "@guardian/db";
import { isPgConnectionLoss, type Logger, type Principal } from "@guardian/kit";
import type { Accounts, ResolveOptions } from "../accounts/accounts.js";
import { mapRoles, type RoleMapping } from "../roles.js";
import type { TokenVerifier } from "../token/verifier.js";
import { authenticateApiKey } from "./api-key-auth.js";
import { credentialsOf, missingCredentials } from "./credential-headers.js";
import type { CredentialCache, VerifiedCredential } from "./credential-cache.js";
import type { UsageRecorder } from "./usage.js";

/** Who a call's credentials belong to. */
export interface Authenticated {
  principal: Principal;
  /** A disabled user authenticates, but may do nothing. */
  disabled: boolean;
}

/**
 * Authenticates a call from its headers: `Authorization: Bearer <jwt>` (Keycloak or
 * built-in) or `x-api-key`. Throws Unauthenticated when they are missing or invalid.
 * `fresh` reads everything from the database and verifies the token again.
 */
export interface Authenticate {
  (header: Headers, resolve?: ResolveOptions): Promise<Authenticated>;
  /**
   * The authentication the call's credentials have in the cache, found synchronously (the
   * same answer, and the same usage record, as a call of the function would give), or
   * undefined when they are not cached: then call the function.
   */
  cached?(header: Headers): Authenticated | undefined;
}

/** A verified credential with what its use is recorded against. */
export interface CachedAuthentication {
  authenticated: Authenticated;
  /** The API key's id or the user's id. */
  usage: { kind: "api_key" | "user"; id: string };
}

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
  /** Receives failures that the caller does not see. */
  logger?: Pick<Logger, "warn">;
  /** Verified credentials of the process (absent: every call is verified from scratch). */
  cache?: CredentialCache<CachedAuthentication>;
  /** Records uses: `last_used_at` of API keys and `last_seen_at` of users. */
  usage?: { apiKeys: UsageRecorder; users: UsageRecorder };
}

/**
 * The authentication of a call made from its headers before its body was read (by the
 * server's admission check), handed on to the RBAC interceptor so that it is done once.
 */
export const authenticatedKey = createContextKey<Authenticated | undefined>(undefined);

/**
 * Creates the function that turns a call's credentials into its principal. A credential
 * found in the cache costs no query and no signature check; any other is verified and then
 * cached until it expires or an access change is heard.
 */
export function createAuthenticator(deps: AuthenticatorDeps): Authenticate {
  const verify = async (
    credentials: NonNullable<ReturnType<typeof credentialsOf>>,
    resolve: ResolveOptions,
  ): Promise<VerifiedCredential<CachedAuthentication>> => {
    if (credentials.kind === "api_key") {
      const principal = await authenticateApiKey(deps.db, credentials.secret);
      return {
        value: {
          authenticated: { principal, disabled: false },
          usage: { kind: "api_key", id: principal.apiKey!.id },
        },
        until: principal.expiresAt?.getTime() ?? Infinity,
      };
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
    return {
      value: {
        authenticated: { principal, disabled: account.disabled },
        usage: { kind: "user", id: account.userId },
      },
      until: identity.expiresAt.getTime(),
    };
  };

  const recordUse = ({ usage }: CachedAuthentication) => {
    const recorder = usage.kind === "api_key" ? deps.usage?.apiKeys : deps.usage?.users;
    recorder?.record(usage.id);
  };

  const authenticate: Authenticate = async (header, resolve = {}) => {
    const credentials = credentialsOf(header);
    if (!credentials) throw missingCredentials();
    const text = cacheText(credentials);
    const hit = resolve.fresh === true ? undefined : deps.cache?.get(text);
    if (hit) {
      recordUse(hit);
      return hit.authenticated;
    }
    const keep = deps.cache?.begin(text);
    let verified: VerifiedCredential<CachedAuthentication>;
    try {
      verified = await verify(credentials, resolve);
    } catch (err) {
      // The database cannot be reached: what was verified before contact was lost still
      // admits the call, for a bounded time (the cache's outage grace).
      const known = isPgConnectionLoss(err) ? deps.cache?.lastKnown(text) : undefined;
      if (!known) throw err;
      return known.authenticated;
    }
    keep?.(verified);
    recordUse(verified.value);
    return verified.value.authenticated;
  };
  authenticate.cached = (header) => {
    const credentials = credentialsOf(header);
    const hit = credentials && deps.cache?.get(cacheText(credentials));
    if (!hit) return undefined;
    recordUse(hit);
    return hit.authenticated;
  };
  return authenticate;
}

/** The text a credential is cached under; the kind is part of it: a token sent as an API key must not match the token. */
function cacheText(credentials: NonNullable<ReturnType<typeof credentialsOf>>): string {
  return credentials.kind === "api_key" ? `k:${credentials.secret}` : `t:${credentials.token}`;
}
