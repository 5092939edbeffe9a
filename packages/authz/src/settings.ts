import { bool, duration, int, str, url, type ConfigOf } from "@guardian/kit";

/**
 * The environment variables of authentication and authorization, as `readConfig` field
 * builders. Spread it into a process's spec: `readConfig(env, { ...processSettings,
 * ...authSettings })`.
 */
export const authSettings = {
  issuerUrl: url("GUARDIAN_ISSUER_URL", {
    default: "http://127.0.0.1:8080",
    protocols: ["http:", "https:"],
    description:
      "The built-in issuer's `iss`: Guardian's public base URL (its JWKS is served at <url>/.well-known/jwks.json)",
  }),
  tokenAudience: str("GUARDIAN_TOKEN_AUDIENCE", {
    default: "guardian",
    description: "The `aud` of built-in access tokens, required when they are verified",
  }),
  accessTokenTtlMs: duration("GUARDIAN_ACCESS_TOKEN_TTL", {
    default: "15m",
    min: 60_000,
    max: 86_400_000,
    description: "Lifetime of built-in access tokens",
  }),
  refreshTokenTtlMs: duration("GUARDIAN_REFRESH_TOKEN_TTL", {
    default: "7d",
    min: 300_000,
    description: "Lifetime of a built-in session: it cannot be refreshed past Login + this",
  }),
  signingKeyRotationMs: duration("GUARDIAN_SIGNING_KEY_ROTATION", {
    default: "30d",
    min: 3_600_000,
    description: "How often the built-in issuer replaces its signing key",
  }),
  signingKeySecret: str("GUARDIAN_SIGNING_KEY_SECRET", {
    optional: true,
    secret: true,
    description:
      "Encrypts the built-in issuer's private keys and webhook secrets in PostgreSQL (AES-256-GCM, key derived from this secret); issuer keys stored in plain JSON are withdrawn at start and replaced by a new encrypted key. Set it in production; unset in embedded mode: a secret generated once and kept in the data directory (signing-key.secret, 0600)",
  }),
  localLogin: bool("GUARDIAN_LOCAL_LOGIN", {
    default: true,
    description: "Whether local users may sign in with Login",
  }),
  passwordMinLength: int("GUARDIAN_PASSWORD_MIN_LENGTH", {
    default: 12,
    min: 8,
    max: 256,
    description: "Shortest password accepted for local users",
  }),
  loginMaxFailures: int("GUARDIAN_LOGIN_MAX_FAILURES", {
    default: 5,
    min: 1,
    description:
      "Wrong passwords per account (every spelling of its name counts as one) within GUARDIAN_LOGIN_LOCKOUT before Login and ChangePassword are refused; counted across all processes",
  }),
  loginLockoutMs: duration("GUARDIAN_LOGIN_LOCKOUT", {
    default: "15m",
    description: "The window of GUARDIAN_LOGIN_MAX_FAILURES",
  }),
  authFailureLimit: int("GUARDIAN_AUTH_FAILURE_LIMIT", {
    default: 60,
    min: 1,
    description:
      "Failed authentications (missing, malformed or rejected credentials, wrong passwords) per client address within GUARDIAN_AUTH_FAILURE_WINDOW; beyond it every call from the address gets resource_exhausted until the window passes",
  }),
  authFailureWindowMs: duration("GUARDIAN_AUTH_FAILURE_WINDOW", {
    default: "1m",
    min: 1_000,
    description:
      "The window of GUARDIAN_AUTH_FAILURE_LIMIT; repeated failures of one kind (address, actor, RPC, reason) within it share one audit row with a count",
  }),
  clockToleranceMs: duration("GUARDIAN_CLOCK_TOLERANCE", {
    default: "30s",
    max: 300_000,
    description: "Clock skew accepted when checking token exp, nbf and iat",
  }),
  maxTokenLifetimeMs: duration("GUARDIAN_MAX_TOKEN_LIFETIME", {
    default: "24h",
    min: 60_000,
    description:
      "Longest access token lifetime (exp - iat) accepted from any issuer; a token with a later exp, or without iat, is refused",
  }),
  authzCacheTtlMs: duration("GUARDIAN_AUTHZ_CACHE_TTL", {
    default: "5s",
    max: 60_000,
    description:
      "How long a user's disabled flag and role bindings are cached (changes made in this process apply at once)",
  }),
  authzOutageGraceMs: duration("GUARDIAN_AUTHZ_OUTAGE_GRACE", {
    default: "10m",
    max: 24 * 60 * 60_000,
    description:
      "While PostgreSQL cannot be reached, how long API keys and tokens verified before the loss keep admitting calls (until their own expiry); a revocation committed elsewhere meanwhile applies once contact returns. 0: calls needing a credential check get unavailable at once",
  }),
  keycloakIssuerUrl: url("KEYCLOAK_ISSUER_URL", {
    optional: true,
    description:
      "Trust Keycloak tokens whose `iss` equals this exactly, for example https://sso.example.com/realms/guardian",
  }),
  keycloakJwksUrl: url("KEYCLOAK_JWKS_URL", {
    optional: true,
    description:
      "Where to fetch Keycloak's keys; default <KEYCLOAK_ISSUER_URL>/protocol/openid-connect/certs (set it to an internal URL when Guardian reaches Keycloak privately)",
  }),
  keycloakAudience: str("KEYCLOAK_AUDIENCE", {
    default: "guardian",
    description: "The `aud` required in Keycloak access tokens (added by an audience mapper)",
  }),
  keycloakClientId: str("KEYCLOAK_CLIENT_ID", {
    optional: true,
    description: "When set, roles in resource_access.<client>.roles count as well as realm roles",
  }),
  keycloakConsoleClientId: str("KEYCLOAK_CONSOLE_CLIENT_ID", {
    default: "guardian-console",
    description: "The public client the CLI and web console sign in with (PKCE)",
  }),
  roleAdmin: str("GUARDIAN_ROLE_ADMIN", {
    default: "guardian-admin",
    description: "Identity-provider role that grants the global admin role",
  }),
  roleEditor: str("GUARDIAN_ROLE_EDITOR", {
    default: "guardian-editor",
    description: "Identity-provider role that grants the global editor role",
  }),
  roleViewer: str("GUARDIAN_ROLE_VIEWER", {
    default: "guardian-viewer",
    description: "Identity-provider role that grants the global viewer role",
  }),
  roleClusterClient: str("GUARDIAN_ROLE_CLUSTER_CLIENT", {
    default: "guardian-cluster-client",
    description: "Identity-provider role that grants the global cluster client role",
  }),
  roleInternal: str("GUARDIAN_ROLE_INTERNAL", {
    default: "guardian-internal",
    description: "Identity-provider role of Guardian's own services (the internal role)",
  }),
} as const;

/** The typed auth settings read from {@link authSettings}. */
export type AuthSettings = ConfigOf<typeof authSettings>;
