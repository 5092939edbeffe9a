import { randomUUID } from "node:crypto";
import { type RoleMapping, roleNamesFor, selectCurrentSigningKey } from "@guardian/authz";
import type { GlobalRoleName } from "@guardian/kit";
import { importJWK, SignJWT, type CryptoKey } from "jose";
import type pg from "pg";
import { openPrivateJwk } from "./key-crypto.js";
import { ensureSigningKey, rotateSigningKey } from "./signing-keys.js";

/** The user an access token is issued to. */
export interface TokenSubject {
  subject: string;
  username: string;
  email?: string;
  displayName?: string;
  globalRoles: readonly GlobalRoleName[];
  serviceAccount: boolean;
}

/** A signed access token and when it expires. */
export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

/** Signs with the current key without touching the database (safe inside a transaction). */
export type Signer = (subject: TokenSubject, sessionId: string) => Promise<IssuedToken>;

/** The built-in issuer's signing side. */
export interface TokenIssuer {
  /**
   * Returns a signer bound to the current key, loading the key first when the cached one is
   * older than a minute (another process may have rotated it). Call it before opening a
   * transaction, then sign inside.
   */
  signer(): Promise<Signer>;
  /** Makes sure a current key exists and is not due for rotation. */
  ensureKey(): Promise<void>;
  /** Rotates the signing key now; returns the new kid. */
  rotate(): Promise<string>;
}

/** Options for {@link createTokenIssuer}. */
export interface TokenIssuerOptions {
  pool: pg.Pool;
  /** The `iss` of every token. */
  issuer: string;
  /** The `aud` of every token. */
  audience: string;
  accessTokenTtlMs: number;
  rotationMs: number;
  /** How long retired keys stay published. */
  publishGraceMs: number;
  secret: string | undefined;
  roleMapping: RoleMapping;
  /** Called after this process rotated, so verifiers reload the key set. */
  onRotate?: () => void;
}

/** How long a process keeps signing with a cached key before checking for a newer one. */
export const signerReloadMs = 60_000;

/** The built-in issuer's `azp`, standing in for Keycloak's client id. */
export const builtInClientId = "guardian";

function splitName(displayName: string | undefined): { given_name?: string; family_name?: string } {
  const parts = displayName?.trim().split(/\s+/) ?? [];
  if (parts.length < 2) return {};
  return { given_name: parts[0]!, family_name: parts.slice(1).join(" ") };
}

/**
 * Creates the built-in issuer: ES256 access tokens in Keycloak's claim shape (iss, sub, aud,
 * exp, iat, nbf, jti, typ "Bearer", azp, sid, preferred_username, email, name, given_name,
 * family_name, realm_access.roles), so that one verifier handles both issuers.
 */
export function createTokenIssuer(opts: TokenIssuerOptions): TokenIssuer {
  let current: { kid: string; key: CryptoKey | Uint8Array; at: number } | undefined;
  const keyOptions = { secret: opts.secret, publishGraceMs: opts.publishGraceMs };

  const load = async () => {
    let stored = await selectCurrentSigningKey(opts.pool);
    if (!stored) {
      await ensureSigningKey(opts.pool, { ...keyOptions, rotationMs: opts.rotationMs });
      stored = await selectCurrentSigningKey(opts.pool);
    }
    if (!stored) throw new Error("no signing key");
    const jwk = openPrivateJwk(stored.sealed, opts.secret);
    current = { kid: stored.kid, key: await importJWK(jwk, stored.alg), at: Date.now() };
    return current;
  };

  return {
    async signer() {
      const key = current && Date.now() - current.at < signerReloadMs ? current : await load();
      return async (subject, sessionId) => {
        const now = Math.floor(Date.now() / 1000);
        const exp = now + Math.floor(opts.accessTokenTtlMs / 1000);
        const token = await new SignJWT({
          typ: "Bearer",
          azp: builtInClientId,
          sid: sessionId,
          preferred_username: subject.username,
          ...(subject.email ? { email: subject.email } : {}),
          ...(subject.displayName ? { name: subject.displayName } : {}),
          ...splitName(subject.displayName),
          realm_access: { roles: roleNamesFor(opts.roleMapping, subject.globalRoles) },
          ...(subject.serviceAccount ? { client_id: subject.username } : {}),
        })
          .setProtectedHeader({ alg: "ES256", kid: key.kid, typ: "JWT" })
          .setIssuer(opts.issuer)
          .setSubject(subject.subject)
          .setAudience(opts.audience)
          .setIssuedAt(now)
          .setNotBefore(now)
          .setExpirationTime(exp)
          .setJti(randomUUID())
          .sign(key.key);
        return { token, expiresAt: new Date(exp * 1000) };
      };
    },

    async ensureKey() {
      const created = await ensureSigningKey(opts.pool, {
        ...keyOptions,
        rotationMs: opts.rotationMs,
      });
      if (created !== undefined) {
        current = undefined;
        opts.onRotate?.();
      }
    },

    async rotate() {
      const kid = await rotateSigningKey(opts.pool, keyOptions);
      current = undefined;
      opts.onRotate?.();
      return kid;
    },
  };
}
