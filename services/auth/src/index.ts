/**
 * The auth service: the built-in token issuer (local users, rotating refresh tokens,
 * signing keys), users, project role bindings, API keys and the audit log, plus
 * {@link createAuthSystem}, which wires verification and RBAC for any Guardian process.
 *
 * Glossary:
 * - session: one Login's chain of refresh tokens (a rotation family). Every Refresh spends
 *   one token and issues the next; presenting a spent token revokes the session.
 * - signing key: an ES256 key of the built-in issuer in `signing_keys`; the current one
 *   signs, retired ones stay published until the tokens they signed have expired.
 */
export { createAuthSystem } from "./system.js";
export type { AuthSystem, AuthSystemOptions } from "./system.js";
export { createAuthRoutes, createAuthService } from "./routes.js";
export type { AuthServiceDeps } from "./deps.js";
export { ensureBootstrapAdmin, type BootstrapResult } from "./bootstrap-admin.js";
export { ensureAdminAccount } from "./admin-account.js";
export type { AdminAccountOutcome, AdminAccountRequest } from "./admin-account.js";
export { generatePassword, hashPassword, verifyPassword } from "./password.js";
export { createTokenIssuer, builtInClientId } from "./issuer/token-issuer.js";
export type { IssuedToken, Signer, TokenIssuer, TokenSubject } from "./issuer/token-issuer.js";
export { ensureSigningKey, rotateSigningKey, signingAlgorithm } from "./issuer/signing-keys.js";
export { wellKnownRoutes } from "./issuer/well-known.js";
export { createLoginThrottle, type LoginThrottle } from "./login-throttle.js";
export { housekeepingSettings, type HousekeepingSettings } from "./housekeeping/settings.js";
export {
  createCredentialCleanupJob,
  type CredentialCleanupDeps,
} from "./housekeeping/credential-cleanup.js";
export {
  createAuditRetentionJob,
  type AuditRetentionDeps,
} from "./housekeeping/audit-retention.js";
