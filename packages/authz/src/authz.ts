import type { Interceptor } from "@connectrpc/connect";
import type { Admission, Logger } from "@guardian/kit";
import type pg from "pg";
import type { AccessChanges } from "./access-changes/access-changes.js";
import { startAccessChanges, type AccessChangesSource } from "./access-changes/start.js";
import { createAccounts, type Accounts } from "./accounts/accounts.js";
import { createFailureAudit, type FailureAudit } from "./audit/failure-audit.js";
import { createAuthFailures, type AuthFailures } from "./rbac/auth-failures.js";
import { createAuthenticator, type CachedAuthentication } from "./credentials/authenticate.js";
import { createCredentialCache } from "./credentials/credential-cache.js";
import { createUsageRecorder } from "./credentials/usage.js";
import { createCredentialGate } from "./rbac/credential-gate.js";
import { createAccessEpoch } from "./rbac/access-epoch.js";
import { createAuthInterceptor } from "./rbac/interceptor.js";
import { roleMappingOf, type RoleMapping } from "./roles.js";
import type { AuthSettings } from "./settings.js";
import { touchApiKeys } from "./sql/api-keys.js";
import { touchUsersSeen } from "./sql/users.js";
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
  /**
   * Where the process hears of access changes, which lets it cache verified credentials,
   * accounts and role bindings. Absent: nothing is cached, every call reads PostgreSQL.
   */
  accessChanges?: AccessChangesSource;
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
  /** What the process hears of access changes (caches answer only while it is live). */
  accessChanges: AccessChanges;
  /** The built-in issuer's published keys; invalidate after a rotation. */
  builtInKeys: PublishedKeyResolver;
  /** Identity-provider role names → global roles. */
  roleMapping: RoleMapping;
  /** The trusted issuers, built-in first. */
  issuers: readonly TrustedIssuer[];
  /**
   * Stops listening for access changes, writes pending usage (`last_used_at`,
   * `last_seen_at`) and the pending audit of failed authentication. Call it before the pool
   * ends.
   */
  close(): Promise<void>;
}

/**
 * How often a process with open streams polls the access epoch while it does not hear
 * access changes. Each poll is one small query per process, however many streams are open;
 * 250 ms leaves room within the 1 s in which an idle stream must end after its access is
 * revoked.
 */
const streamRecheckPollMs = 250;
/** How often idle streams re-read the epoch while a LISTEN connection reports changes. */
const streamLivePollMs = 500;

/** The most verified credentials a process keeps (about 1 KB each). */
const credentialCacheMax = 10_000;

/** How long uses of credentials gather before they are written in one statement. */
const usageFlushDelayMs = 10;

/** Returns Keycloak's JWKS URL: KEYCLOAK_JWKS_URL, or the realm's standard certs endpoint. */
export function keycloakJwksUrl(settings: AuthSettings): string | undefined {
  if (settings.keycloakIssuerUrl === undefined) return undefined;
  return (
    settings.keycloakJwksUrl ??
    `${settings.keycloakIssuerUrl.replace(/\/$/, "")}/protocol/openid-connect/certs`
  );
}

/** The trusted issuers: the built-in issuer first, then Keycloak when configured. */
function trustedIssuers(
  settings: AuthSettings,
  builtInKeys: PublishedKeyResolver,
  remote: RemoteKeysOptions | undefined,
): TrustedIssuer[] {
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
      keys: remoteKeys(jwksUrl, remote),
      ...(settings.keycloakClientId ? { clientId: settings.keycloakClientId } : {}),
      builtIn: false,
    });
  }
  return issuers;
}

/**
 * Creates the verification and authorization side: the trusted issuers (the built-in
 * issuer, whose keys are read from PostgreSQL, and Keycloak when KEYCLOAK_ISSUER_URL is set),
 * the access change feed, the caches of verified credentials and accounts it keeps honest,
 * the batched usage bookkeeping and the RBAC interceptor.
 */
export function createAuthz(opts: AuthzOptions): Authz {
  const { settings, pool } = opts;
  const warn = (message: string) => (err: unknown) => opts.logger?.warn({ err }, message);
  const feed = startAccessChanges({
    pool,
    ...(opts.accessChanges ? { source: opts.accessChanges } : {}),
    onError: warn("listening for access changes failed; credentials are not cached meanwhile"),
  });
  const changes = feed.changes;
  const publishedKeys = createPublishedKeyResolver(pool);
  // Tokens verified with keys that are no longer published must be verified again.
  const builtInKeys: PublishedKeyResolver = Object.assign(
    (...args: Parameters<PublishedKeyResolver>) => publishedKeys(...args),
    {
      invalidate() {
        publishedKeys.invalidate();
        changes.changed();
      },
    },
  );
  const issuers = trustedIssuers(settings, builtInKeys, opts.remoteKeys);
  const verifier = createTokenVerifier({
    issuers,
    clockToleranceSec: Math.ceil(settings.clockToleranceMs / 1000),
    maxLifetimeSec: Math.floor(settings.maxTokenLifetimeMs / 1000),
  });
  const accounts = createAccounts(pool, { ttlMs: settings.authzCacheTtlMs, changes });
  const usage = {
    apiKeys: createUsageRecorder({
      write: (ids) => touchApiKeys(pool, ids),
      delayMs: usageFlushDelayMs,
      onError: warn("updating API key last use failed"),
    }),
    users: createUsageRecorder({
      write: (ids) => touchUsersSeen(pool, ids),
      delayMs: usageFlushDelayMs,
      onError: warn("updating user last use failed"),
    }),
  };
  const cache = createCredentialCache<CachedAuthentication>(changes, {
    max: credentialCacheMax,
    outageGraceMs: settings.authzOutageGraceMs,
  });
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
  const authenticatorDeps = {
    verifier,
    accounts,
    roleMapping,
    db: pool,
    cache,
    usage,
    ...(opts.logger ? { logger: opts.logger } : {}),
  };
  const authenticate = createAuthenticator(authenticatorDeps);
  const heardInStep = opts.accessChanges !== undefined && "embedded" in opts.accessChanges;
  const rbac = createAuthInterceptor({
    ...authenticatorDeps,
    failureAudit,
    epoch: createAccessEpoch(pool, {
      pollMs: streamRecheckPollMs,
      onError: warn("reading the access epoch failed"),
      changes,
      heardInStep,
      // A LISTEN connection can die silently: idle streams still learn of revocations in 1 s.
      ...(heardInStep ? {} : { livePollMs: streamLivePollMs }),
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
    accessChanges: changes,
    builtInKeys,
    roleMapping,
    issuers,
    async close() {
      await feed.close();
      await Promise.all([usage.apiKeys.close(), usage.users.close(), failureAudit.close()]);
    },
  };
}
