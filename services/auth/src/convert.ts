import { create, type JsonObject } from "@bufbuild/protobuf";
import {
  timestampDate,
  timestampFromDate,
  type Duration,
  type Timestamp,
} from "@bufbuild/protobuf/wkt";
import {
  ApiKeySchema,
  AuditEventSchema,
  AuditResult,
  JwkSchema,
  PrincipalKind,
  RoleBindingSchema,
  UserSchema,
  type ApiKey,
  type AuditEvent,
  type GlobalRole,
  type Jwk,
  type RoleBinding,
  type User,
} from "@guardian/api";
import {
  type ApiKeyRow,
  apiKeyScopeToProto,
  type AuditRow,
  type BindingRow,
  globalRoleFromProto,
  globalRoleToProto,
  isProjectRoleName,
  localIssuer,
  parseGlobalRoles,
  projectRoleToProto,
  type PublishedKey,
  type UserRow,
} from "@guardian/authz";

/** Converts a role binding row to its message. */
export function bindingToProto(row: BindingRow): RoleBinding {
  return create(RoleBindingSchema, {
    project: row.project,
    username: row.username,
    role: isProjectRoleName(row.role) ? projectRoleToProto(row.role) : 0,
    createTime: timestampFromDate(row.created_at),
    createdBy: row.created_by,
  });
}

/**
 * Converts a user row to its message. Local users are shown under the built-in issuer's
 * public URL (they are stored under the fixed issuer "guardian").
 */
export function userToProto(row: UserRow, issuerUrl: string, bindings: BindingRow[] = []): User {
  const local = row.issuer === localIssuer;
  return create(UserSchema, {
    username: row.username,
    displayName: row.display_name ?? "",
    email: row.email ?? "",
    issuer: local ? issuerUrl : row.issuer,
    subject: row.subject,
    local: local && row.password_hash !== null,
    serviceAccount: row.service_account,
    disabled: row.disabled,
    globalRoles: parseGlobalRoles(row.global_roles).map(globalRoleToProto),
    roleBindings: bindings.map(bindingToProto),
    createTime: timestampFromDate(row.created_at),
    updateTime: timestampFromDate(row.updated_at),
    lastLoginTime: row.last_seen_at ? timestampFromDate(row.last_seen_at) : undefined,
  });
}

/** Converts an API key row to its message (never a secret). */
export function apiKeyToProto(row: ApiKeyRow): ApiKey {
  return create(ApiKeySchema, {
    id: row.lookup,
    project: row.project,
    name: row.name,
    scope: apiKeyScopeToProto(row.scope),
    keyPrefix: row.key_prefix,
    secretHint: row.secret_hint,
    createTime: timestampFromDate(row.created_at),
    createdBy: row.created_by,
    expireTime: row.expires_at ? timestampFromDate(row.expires_at) : undefined,
    lastUsedTime: row.last_used_at ? timestampFromDate(row.last_used_at) : undefined,
    revokeTime: row.revoked_at ? timestampFromDate(row.revoked_at) : undefined,
    previousSecretExpireTime: row.previous_secret_expires_at
      ? timestampFromDate(row.previous_secret_expires_at)
      : undefined,
  });
}

const kinds: Record<string, PrincipalKind> = {
  user: PrincipalKind.USER,
  api_key: PrincipalKind.API_KEY,
  service: PrincipalKind.SERVICE,
};

const results: Record<string, AuditResult> = {
  ok: AuditResult.OK,
  denied: AuditResult.DENIED,
  failed: AuditResult.FAILED,
  pending: AuditResult.PENDING,
};

/** Converts a principal kind as stored to its enum value. */
export function principalKindToProto(kind: string): PrincipalKind {
  return kinds[kind] ?? PrincipalKind.UNSPECIFIED;
}

/** Converts an audit row to its message. */
export function auditToProto(row: AuditRow): AuditEvent {
  return create(AuditEventSchema, {
    id: row.id,
    time: timestampFromDate(row.at),
    actor: row.actor,
    actorKind: principalKindToProto(row.actor_kind),
    action: row.action,
    target: row.target,
    project: row.project ?? "",
    requestId: row.request_id,
    result: results[row.result] ?? AuditResult.UNSPECIFIED,
    errorCode: row.error_code,
    detail: row.detail as JsonObject,
    remoteAddress: row.remote_address,
  });
}

/** Converts a published key to its Jwk message. */
export function jwkToProto(key: PublishedKey): Jwk {
  const text = (name: string) => {
    const value = (key.jwk as Record<string, unknown>)[name];
    return typeof value === "string" ? value : "";
  };
  return create(JwkSchema, {
    kty: text("kty"),
    kid: key.kid,
    use: "sig",
    alg: key.alg,
    crv: text("crv"),
    x: text("x"),
    y: text("y"),
    n: text("n"),
    e: text("e"),
  });
}

/** Returns the JSON form of a published key for the plain-HTTP JWKS document. */
export function jwkJson(key: PublishedKey): Record<string, string> {
  const { kty, crv, x, y, n, e } = key.jwk as Record<string, string | undefined>;
  return Object.fromEntries(
    Object.entries({ kty, kid: key.kid, use: "sig", alg: key.alg, crv, x, y, n, e }).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string",
    ),
  );
}

/** Converts an optional timestamp to a Date. */
export function dateOf(ts: Timestamp | undefined): Date | undefined {
  return ts && timestampDate(ts);
}

/** Converts a duration to milliseconds (0 when unset); negative durations stay negative. */
export function durationMs(d: Duration | undefined): number {
  if (!d) return 0;
  return Number(d.seconds) * 1000 + Math.trunc(d.nanos / 1e6);
}

/** The global roles of a request, as stored: names, each once. */
export function globalRoleNames(roles: readonly GlobalRole[]): string[] {
  return [...new Set(roles.map((r) => globalRoleFromProto(r)!))];
}
