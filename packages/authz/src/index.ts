/**
 * @guardian/authz — token verification, RBAC and the audit log, shared by every Guardian
 * service.
 *
 * Glossary:
 * - trusted issuer: an identity provider whose access tokens are accepted, matched by the
 *   token's exact `iss`: the built-in issuer (keys in PostgreSQL) and Keycloak (remote JWKS).
 *   Both use Keycloak's claim shape, so one verifier path handles them.
 * - global role: admin, editor, viewer, cluster_client or internal; mapped from
 *   identity-provider role names (`realm_access.roles`, optionally
 *   `resource_access.<client>.roles`) by the GUARDIAN_ROLE_* settings, or stored for local
 *   users.
 * - role binding: a per-project role (admin, editor, viewer) of one user, in `role_bindings`,
 *   keyed by the user's account (storage issuer + subject).
 * - account: a user's row in `users`. Keycloak users get one on first sight; local users
 *   live under the storage issuer `guardian`.
 * - API key: a project-scoped machine credential `gdn_<id>_<secret>` sent as `x-api-key`;
 *   only its SHA-256 is stored.
 * - access option: the `guardian.v1.access` method option every RPC declares; the
 *   interceptor enforces it and fails closed without it.
 * - access change: a committed change that can take access away (a key revoked, a binding
 *   removed, a user disabled...). It moves the access epoch and is announced on the
 *   PostgreSQL channel `guardian_access`; each process then empties its caches of verified
 *   credentials and accounts, which answer only while the process hears these changes.
 */
export { createAuthz, keycloakJwksUrl } from "./authz.js";
export type { Authz, AuthzOptions } from "./authz.js";
export { authSettings } from "./settings.js";
export type { AuthSettings } from "./settings.js";

export type { AccessChanges } from "./access-changes/access-changes.js";
export type { AccessChangesSource } from "./access-changes/start.js";

export { createAccounts } from "./accounts/accounts.js";
export type {
  Account,
  Accounts,
  AccountsOptions,
  ResolveOptions,
  SeenIdentity,
} from "./accounts/accounts.js";

export { actorOf, auditContext, auditOutcome, procedureOf } from "./audit/record.js";
export { createFailureAudit } from "./audit/failure-audit.js";
export { auditDetail, auditMutations, auditTarget } from "./audit/mutations.js";
export type { AuditedMutation, AuditMutationsOptions, AuditTable } from "./audit/mutations.js";
export {
  auditUnwritableMessage,
  carriedAuditKey,
  writeCarriedAudits,
  type CarriedAudit,
} from "./audit/carried.js";
export type { FailureAudit, FailureAuditOptions } from "./audit/failure-audit.js";
export { beginAudit, settleAudit } from "./audit/pending.js";
export type { AuditSettlement, AuditTarget } from "./audit/pending.js";
export type { AuditDraft } from "./audit/record.js";

export { authenticateApiKey } from "./credentials/api-key-auth.js";
export {
  apiKeySecretHint,
  apiKeySecretMatches,
  generateApiKeyId,
  generateApiKeySecret,
  hashApiKeySecret,
  parseApiKeySecret,
} from "./credentials/api-key-secret.js";

export { createAttemptWindow } from "./throttle/attempt-window.js";
export type {
  AttemptsUsed,
  AttemptWindow,
  AttemptWindowOptions,
} from "./throttle/attempt-window.js";

export { decide } from "./rbac/decide.js";
export {
  apiKeyProjectProblem,
  apiKeyTargetProblem,
  apiKeyWholeProjectProblem,
} from "./rbac/api-key-scope.js";
export type { KeyTarget } from "./rbac/api-key-scope.js";
export type { CallTarget, Decision } from "./rbac/decide.js";
export { createAuthFailures } from "./rbac/auth-failures.js";
export type { AuthFailures, AuthFailuresOptions } from "./rbac/auth-failures.js";
export { createCredentialGate } from "./rbac/credential-gate.js";
export type { CredentialGateDeps } from "./rbac/credential-gate.js";
export {
  credentialsOf,
  malformedCredentials,
  missingCredentials,
} from "./credentials/credential-headers.js";
export type { CallCredentials } from "./credentials/credential-headers.js";
export { createAuthInterceptor } from "./rbac/interceptor.js";
export type { AuthInterceptorDeps } from "./rbac/interceptor.js";
export { peekRequest } from "./rbac/request-fields.js";

export {
  apiKeyScopeFromProto,
  apiKeyScopeToProto,
  canonicalUsername,
  checkUsername,
  globalRoleFromProto,
  globalRoleNames,
  globalRoleToProto,
  isProjectRoleName,
  mapRoles,
  parseGlobalRoles,
  projectRoleFromProto,
  projectRoleToProto,
  roleMappingOf,
  roleNamesFor,
} from "./roles.js";
export type { RoleMapping } from "./roles.js";

export { identityFromClaims } from "./token/claims.js";
export type { TokenIdentity } from "./token/claims.js";
export { createPublishedKeyResolver, listPublishedKeys } from "./token/published-keys.js";
export type {
  PublishedKey,
  PublishedKeyResolver,
  PublishedKeyResolverOptions,
} from "./token/published-keys.js";
export {
  allowedAlgorithms,
  createTokenVerifier,
  remoteKeys,
  verificationError,
} from "./token/verifier.js";
export type {
  RemoteKeysOptions,
  TokenVerifier,
  TokenVerifierOptions,
  TrustedIssuer,
} from "./token/verifier.js";

// The SQL of the tables shared by the services: users, role bindings, API keys, audit log.
export {
  countOtherEnabledAdmins,
  insertLocalUser,
  listUsers,
  localIssuer,
  lockGlobalAdmins,
  selectFirstLocalAdmin,
  selectUserByAccount,
  selectUserById,
  selectUserByUsername,
  setUserDisabled,
  setUserPassword,
  touchUserLogin,
  updateUser,
  upsertLocalAdmin,
  upsertServiceAccount,
} from "./sql/users.js";
export type { UserRow } from "./sql/users.js";
export {
  countProjectAdmins,
  deleteBinding,
  insertAdminBinding,
  listAccountBindings,
  listProjectBindings,
  selectBindingRole,
  upsertBinding,
} from "./sql/role-bindings.js";
export type { BindingRow } from "./sql/role-bindings.js";
export {
  deleteEndedApiKeys,
  insertApiKey,
  listApiKeys,
  liveApiKeyNameTaken,
  lockApiKeyName,
  revokeApiKey,
  rotateApiKeySecret,
  selectApiKey,
  selectApiKeyById,
} from "./sql/api-keys.js";
export type { ApiKeyRow } from "./sql/api-keys.js";
export {
  deleteOldAuditEvents,
  listAuditEvents,
  recordAudit,
  selectStalePending,
  settleAuditEvent,
} from "./sql/audit-log.js";
export type {
  AuditActorKind,
  AuditEventInit,
  AuditQuery,
  AuditResultName,
  AuditRow,
  PendingEvent,
} from "./sql/audit-log.js";
export {
  deleteProject,
  insertProject,
  insertProjectName,
  markProjectNameDeleted,
  projectExists,
  selectProject,
  selectProjects,
  selectHistoryRetentionPolicies,
  selectProjectVersion,
  updateProject,
} from "./sql/projects.js";
export type { HistoryRetentionPolicy, ProjectRow } from "./sql/projects.js";
export {
  insertSigningKey,
  lockSigningKeyRotation,
  deletePlainSigningKeys,
  pruneSigningKeys,
  retireCurrentSigningKey,
  selectCurrentSigningKey,
  inspectSigningKeys,
  selectPublishedSigningKeys,
} from "./sql/signing-keys.js";
export type { PublishedKeyRow, StoredSigningKey } from "./sql/signing-keys.js";

export { follow, within } from "./testing/follow-stream.js";
export type { Followed } from "./testing/follow-stream.js";
export { startTestIssuer, testAuthSettings } from "./testing/test-issuer.js";
export type { MintOptions, TestIssuer } from "./testing/test-issuer.js";
