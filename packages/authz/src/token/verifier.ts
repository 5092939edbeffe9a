import { Code, ConnectError } from "@connectrpc/connect";
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTVerifyGetKey,
} from "jose";
import { identityFromClaims, type TokenIdentity } from "./claims.js";

/** The only signature algorithms accepted: never `none`, never HMAC. */
export const allowedAlgorithms = ["RS256", "ES256"] as const;

/** An issuer whose access tokens Guardian accepts. */
export interface TrustedIssuer {
  /** The exact `iss` value; compared as a string, no normalisation. */
  issuer: string;
  /** The `aud` the token must contain. */
  audience: string;
  /** Resolves the verification key for a token's header (a JWKS). */
  keys: JWTVerifyGetKey;
  /** When set, roles in `resource_access.<clientId>.roles` count too. */
  clientId?: string;
  /** True for the built-in issuer (its users are local users). */
  builtIn: boolean;
}

/** Checks access tokens against the trusted issuers. */
export interface TokenVerifier {
  /**
   * Verifies a compact JWT and returns its identity. Fails with Unauthenticated and a message
   * safe for clients, or Unavailable when an issuer's keys cannot be fetched.
   */
  verify(token: string): Promise<TokenIdentity & { builtIn: boolean }>;
}

/** Options for {@link createTokenVerifier}. */
export interface TokenVerifierOptions {
  issuers: readonly TrustedIssuer[];
  /** Clock skew tolerated for exp, nbf and iat, in seconds. */
  clockToleranceSec: number;
  /** Longest lifetime (exp − iat) accepted, in seconds. */
  maxLifetimeSec: number;
}

function unauthenticated(message: string, cause?: unknown): ConnectError {
  return new ConnectError(message, Code.Unauthenticated, undefined, undefined, cause);
}

/** Marks a failure to obtain keys (network, bad JWKS), as opposed to a bad token. */
class KeySourceError extends Error {
  override readonly name = "KeySourceError";
}

/** Wraps a key resolver so that failures other than "no such key" are told apart. */
function guardKeys(keys: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await keys(header, token);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys)
        throw err;
      throw new KeySourceError("cannot load verification keys", { cause: err });
    }
  };
}

const claimMessages: Record<string, string> = {
  nbf: "access token is not yet valid",
  iat: "access token is not yet valid",
  aud: "access token audience is not accepted",
  iss: "access token issuer is not trusted",
  exp: "access token has no expiry",
  sub: "access token has no subject",
};

/** Turns a verification failure into the error the client sees. */
export function verificationError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  if (err instanceof KeySourceError) {
    return new ConnectError(
      "cannot verify the access token now: the issuer's keys are unreachable",
      Code.Unavailable,
      undefined,
      undefined,
      err,
    );
  }
  if (err instanceof errors.JWTExpired) return unauthenticated("access token has expired", err);
  if (err instanceof errors.JWTClaimValidationFailed) {
    return unauthenticated(claimMessages[err.claim] ?? "access token claims are invalid", err);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return unauthenticated("access token algorithm is not allowed (use RS256 or ES256)", err);
  }
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return unauthenticated("access token was signed by an unknown key", err);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return unauthenticated("access token signature is invalid", err);
  }
  return unauthenticated("malformed access token", err);
}

/**
 * Checks what jose leaves open: `iat` must be present and not in the future beyond the
 * tolerance, and the lifetime `exp − iat` must not exceed the cap, so that a token minted
 * with a far-away expiry (or a clock set ahead) is refused.
 */
function checkLifetime(
  payload: { iat?: number; exp?: number },
  opts: Pick<TokenVerifierOptions, "clockToleranceSec" | "maxLifetimeSec">,
): void {
  const { iat, exp } = payload;
  if (typeof iat !== "number") throw unauthenticated("access token has no issue time (iat)");
  const now = Math.floor(Date.now() / 1000);
  if (iat > now + opts.clockToleranceSec) {
    throw unauthenticated("access token is issued in the future (iat)");
  }
  if (typeof exp === "number" && exp - iat > opts.maxLifetimeSec) {
    throw unauthenticated(
      `access token lifetime (exp - iat) exceeds the ${opts.maxLifetimeSec} s allowed`,
    );
  }
}

const headerTypes = new Set(["jwt", "at+jwt", "application/at+jwt"]);

/**
 * Checks the token type: Keycloak access tokens say `"typ": "Bearer"` in the payload (ID
 * tokens say "ID", refresh tokens "Refresh"); RFC 9068 tokens say `typ: at+jwt` in the
 * header. Whatever is present must fit, and at least one must be present.
 */
function checkType(header: { typ?: unknown }, payloadTyp: unknown): void {
  const headerOk = header.typ === undefined || headerTypes.has(String(header.typ).toLowerCase());
  const payloadOk = payloadTyp === undefined || payloadTyp === "Bearer";
  if (!headerOk || !payloadOk || (header.typ === undefined && payloadTyp === undefined)) {
    throw unauthenticated("not an access token (typ must be Bearer, JWT or at+jwt)");
  }
}

/**
 * Creates the one verification path for every trusted issuer (Keycloak and built-in): pick
 * the issuer by the token's exact `iss`, then verify signature (RS256/ES256 only), `iss`,
 * `aud`, `exp`, `nbf` and `iat` (never in the future) with a small clock tolerance, the
 * lifetime `exp − iat` against the cap, and the token type.
 */
export function createTokenVerifier(opts: TokenVerifierOptions): TokenVerifier {
  const byIssuer = new Map(
    opts.issuers.map((i) => [i.issuer, { ...i, keys: guardKeys(i.keys) }] as const),
  );
  return {
    async verify(token) {
      let claimedIssuer: unknown;
      try {
        decodeProtectedHeader(token);
        claimedIssuer = decodeJwt(token).iss;
      } catch (err) {
        throw unauthenticated("malformed access token", err);
      }
      const trusted = typeof claimedIssuer === "string" ? byIssuer.get(claimedIssuer) : undefined;
      if (!trusted) throw unauthenticated("access token issuer is not trusted");
      try {
        const { payload, protectedHeader } = await jwtVerify(token, trusted.keys, {
          issuer: trusted.issuer,
          audience: trusted.audience,
          algorithms: [...allowedAlgorithms],
          clockTolerance: opts.clockToleranceSec,
          requiredClaims: ["exp", "sub"],
        });
        checkType(protectedHeader, payload["typ"]);
        checkLifetime(payload, opts);
        return { ...identityFromClaims(payload, trusted.clientId), builtIn: trusted.builtIn };
      } catch (err) {
        throw verificationError(err);
      }
    },
  };
}

/** Options for {@link remoteKeys}. */
export interface RemoteKeysOptions {
  /** Maximum age of the cached key set. Default 10 minutes. */
  cacheMaxAgeMs?: number;
  /** Minimum time between refetches triggered by an unknown kid. Default 30 s. */
  cooldownMs?: number;
  /** HTTP timeout of a fetch. Default 5 s. */
  timeoutMs?: number;
}

/**
 * Creates a cached resolver for a remote JWKS (Keycloak's `.../protocol/openid-connect/certs`):
 * it refetches on an unknown kid after the cooldown, so key rotation at the identity provider
 * needs no restart, and drops removed keys once the cache ages out.
 */
export function remoteKeys(url: string, opts: RemoteKeysOptions = {}): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(url), {
    cacheMaxAge: opts.cacheMaxAgeMs ?? 600_000,
    cooldownDuration: opts.cooldownMs ?? 30_000,
    timeoutDuration: opts.timeoutMs ?? 5_000,
  });
}
