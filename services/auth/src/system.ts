import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import {
  type AccessChangesSource,
  type AuthSettings,
  type Authz,
  createAuthz,
  pruneSigningKeys,
  type RemoteKeysOptions,
} from "@guardian/authz";
import type { Admission, HttpRoute, Logger } from "@guardian/kit";
import type pg from "pg";
import { createTokenIssuer, signerReloadMs, type TokenIssuer } from "./issuer/token-issuer.js";
import { wellKnownRoutes } from "./issuer/well-known.js";
import { createLoginThrottle } from "./login-throttle.js";
import { createAuthRoutes } from "./routes.js";

/** Options for {@link createAuthSystem}. */
export interface AuthSystemOptions {
  /** The PostgreSQL pool (embedded mode: the single-connection pool). */
  pool: pg.Pool;
  /** Settings read with `authSettings`. */
  settings: AuthSettings;
  logger: Logger;
  /** Caching of Keycloak's JWKS; tests shorten it. */
  remoteKeys?: RemoteKeysOptions;
  /**
   * How often signing-key rotation is checked. Default 1 hour. (Ended sessions are deleted
   * by the credential cleanup job of the scheduler.)
   */
  maintenanceIntervalMs?: number;
  /** Where access changes are heard, so that credentials can be cached (see createAuthz). */
  accessChanges?: AccessChangesSource;
}

/** Everything a process needs for authentication and authorization. */
export interface AuthSystem {
  /** The RBAC interceptor for createServer's `interceptors`. */
  interceptor: Interceptor;
  /** The header-only credential check for createServer's `admit`. */
  admit: Admission;
  /** Registers AuthService (only in processes that host the auth service). */
  authRoutes: (router: ConnectRouter) => void;
  /** `/.well-known/jwks.json` and `/.well-known/openid-configuration` for `httpRoutes`. */
  httpRoutes: Record<string, HttpRoute>;
  /** The verification side (account cache, key resolvers). */
  authz: Authz;
  /** The built-in issuer (signing, rotation). */
  issuer: TokenIssuer;
  /**
   * Stops the maintenance timer and the access change feed, and writes pending audit counts
   * and credential usage. Does not end the pool.
   */
  close(): Promise<void>;
}

/**
 * Wires authentication and authorization for one process: token verification (built-in
 * issuer and Keycloak), the RBAC interceptor, the AuthService routes, the well-known HTTP
 * routes and the built-in issuer's signing key (created now when missing, rotated every
 * GUARDIAN_SIGNING_KEY_ROTATION; a retired key stays published until the tokens it signed
 * have expired).
 */
export async function createAuthSystem(opts: AuthSystemOptions): Promise<AuthSystem> {
  const { pool, settings, logger } = opts;
  if (settings.accessTokenTtlMs > settings.maxTokenLifetimeMs) {
    throw new Error(
      "GUARDIAN_ACCESS_TOKEN_TTL must not exceed GUARDIAN_MAX_TOKEN_LIFETIME: the built-in issuer's own tokens would be refused",
    );
  }
  const authz = createAuthz({
    pool,
    settings,
    logger,
    ...(opts.remoteKeys ? { remoteKeys: opts.remoteKeys } : {}),
    ...(opts.accessChanges ? { accessChanges: opts.accessChanges } : {}),
  });
  const issuer = createTokenIssuer({
    pool,
    issuer: settings.issuerUrl,
    audience: settings.tokenAudience,
    accessTokenTtlMs: settings.accessTokenTtlMs,
    rotationMs: settings.signingKeyRotationMs,
    publishGraceMs: settings.accessTokenTtlMs + settings.clockToleranceMs + signerReloadMs,
    secret: settings.signingKeySecret,
    roleMapping: authz.roleMapping,
    onRotate: () => authz.builtInKeys.invalidate(),
  });
  await issuer.ensureKey();

  const maintain = async () => {
    try {
      await issuer.ensureKey();
      await pruneSigningKeys(pool);
    } catch (err) {
      logger.warn({ err }, "auth maintenance failed; retrying at the next interval");
    }
  };
  const timer = setInterval(() => void maintain(), opts.maintenanceIntervalMs ?? 3_600_000);
  timer.unref();

  const authRoutes = createAuthRoutes({
    pool,
    settings,
    authz,
    issuer,
    throttle: createLoginThrottle({
      pool,
      maxFailures: settings.loginMaxFailures,
      windowMs: settings.loginLockoutMs,
    }),
    logger,
  });
  return {
    interceptor: authz.interceptor,
    admit: authz.admit,
    authRoutes,
    httpRoutes: wellKnownRoutes(pool, settings),
    authz,
    issuer,
    async close() {
      clearInterval(timer);
      await authz.close();
    },
  };
}
