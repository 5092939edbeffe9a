import type { Interceptor } from "@connectrpc/connect";
import type { Admission, Logger } from "@guardian/kit";
import type pg from "pg";
import { createAccounts, type Accounts } from "./accounts/accounts.js";
import { createFailureAudit, type FailureAudit } from "./audit/failure-audit.js";
import { createAuthFailures, type AuthFailures } from "./rbac/auth-failures.js";
import { createAuthenticator } from "./credentials/authenticate.js";
import { createCredentialGate } from "./rbac/credential-gate.js";
import { createAccessEpoch } from "./rbac/access-epoch.js";
import { createAuthInterceptor } from "./rbac/interceptor.js";
import { roleMappingOf, type RoleMapping } from "./roles.js";
import type { AuthSettings } from "./settings.js";
import { createPublishedKeyResolver, type PublishedKeyResolver } from "./token/published-keys.js";
import {
  createTokenVerifier,
  remoteKeys,
  type RemoteKeysOptions,
  type TokenVerifier,
  type TrustedIssuer,
} from "./token/verifier.js";

/** Options for {@link createAuthz}. */
export interface AuthzOptions {
  pool: pg.Pool;
  settings: AuthSettings;
  logger?: Pick<Logger, "warn">;
  /** Caching of Keycloak's JWKS (tests shorten it). */
  remoteKeys?: RemoteKeysOptions;
}

/** The verification and authorization side of Guardian's auth, shared by every service. */
export interface Authz {
  /**
   * The RBAC interceptor behind the per-address limit on failed authentication; pass it to
   * kit's createServer `interceptors`.
   */
  interceptor: Interceptor;
  /** The header-only credential check; pass it to kit's createServer `admit`. */
  admit: Admission;
  /** The per-address limit on failed authentication. */
  failures: AuthFailures;
  /** The aggregated audit of failed authentication; close it at shutdown. */
  failureAudit: FailureAudit;
  /** Verifies access tokens of the built-in issuer and Keycloak. */
  verifier: TokenVerifier;
  /** Users and role bindings as the interceptor sees them; invalidate after changes. */
  accounts: Accounts;
  /** The built-in issuer's published keys; invalidate after a rotation. */
  builtInKeys: PublishedKeyResolver;
  /** Identity-provider role names → global roles. */
  roleMapping: RoleMapping;
  /** The trusted issuers, built-in first. */
  issuers: readonly TrustedIssuer[];
}

/**
 * How often a process with open streams polls the access epoch. Each poll is one small
 * query per process, however many streams are open; 250 ms leaves room within the 1 s in
 * which an idle stream must end after its access is revoked, in both modes, without
 * depending on LISTEN/NOTIFY (which PGlite does not deliver across connections).
 */
const streamRecheckPollMs = 250;

/** Returns Keycloak's JWKS URL: KEYCLOAK_JWKS_URL, or the realm's standard certs endpoint. */
export function keycloakJwksUrl(settings: AuthSettings): string | undefined {
  if (settings.keycloakIssuerUrl === undefined) return undefined;
  return (
    settings.keycloakJwksUrl ??
    `${settings.keycloakIssuerUrl.replace(/\/$/, "")}/protocol/openid-connect/certs`
  );
}

/**
 * Creates the verification and authorization side: the trusted issuers (the built-in
 * issuer, whose keys are read from PostgreSQL, and Keycloak when KEYCLOAK_ISSUER_URL is set),
 * the account cache and the RBAC interceptor.
 */
export function createAuthz(opts: AuthzOptions): Authz {
  const { settings, pool } = opts;
  const builtInKeys = createPublishedKeyResolver(pool);
  const issuers: TrustedIssuer[] = [
    {
      issuer: settings.issuerUrl,
      audience: settings.tokenAudience,
      keys: builtInKeys,
      builtIn: true,
    },
  ];
  const jwksUrl = keycloakJwksUrl(settings);
  if (settings.keycloakIssuerUrl !== undefined && jwksUrl !== undefined) {
    if (settings.keycloakIssuerUrl === settings.issuerUrl) {
      throw new Error("KEYCLOAK_ISSUER_URL must differ from GUARDIAN_ISSUER_URL");
    }
    issuers.push({
      issuer: settings.keycloakIssuerUrl,
      audience: settings.keycloakAudience,
      keys: remoteKeys(jwksUrl, opts.remoteKeys),
      ...(settings.keycloakClientId ? { clientId: settings.keycloakClientId } : {}),
      builtIn: false,
    });
  }
  const verifier = createTokenVerifier({
    issuers,
    clockToleranceSec: Math.ceil(settings.clockToleranceMs / 1000),
    maxLifetimeSec: Math.floor(settings.maxTokenLifetimeMs / 1000),
  });
  const accounts = createAccounts(pool, { ttlMs: settings.authzCacheTtlMs });
  const roleMapping = roleMappingOf(settings);
  const failureAudit = createFailureAudit({
    db: pool,
    windowMs: settings.authFailureWindowMs,
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  const failures = createAuthFailures({
    max: settings.authFailureLimit,
    windowMs: settings.authFailureWindowMs,
  });
  const authenticate = createAuthenticator({
    verifier,
    accounts,
    roleMapping,
    db: pool,
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  const rbac = createAuthInterceptor({
    verifier,
    accounts,
    roleMapping,
    db: pool,
    failureAudit,
    ...(opts.logger ? { logger: opts.logger } : {}),
    epoch: createAccessEpoch(pool, {
      pollMs: streamRecheckPollMs,
      onError: (err) => opts.logger?.warn({ err }, "reading the access epoch failed"),
    }),
  });
  const interceptor: Interceptor = (next) => failures.interceptor(rbac(next));
  const admit = createCredentialGate({ failures, audit: failureAudit, authenticate });
  return {
    interceptor,
    admit,
    failures,
    failureAudit,
    verifier,
    accounts,
    builtInKeys,
    roleMapping,
    issuers,
  };
}
