import { timestampMs } from "@bufbuild/protobuf/wkt";
import {
  ApiKeyScope,
  AuditResult,
  checkKeyPrefix,
  checkProjectName,
  GlobalRole,
  Role,
  type AuditEventFilter,
  type CreateApiKeyRequest,
  type CreateUserRequest,
  type RotateApiKeyRequest,
  type UpdateUserRequest,
} from "@guardian/api";
import { checkUsername, globalRoleFromProto } from "@guardian/authz";
import { failOn, maxLength } from "@guardian/kit";
import { durationMs } from "./convert.js";

/** Checks that a required string is set. */
export function required(value: string): string | undefined {
  return value === "" ? "must not be empty" : undefined;
}

/** Checks a new password against the policy: min length (characters), at most 1024 bytes. */
export function checkPassword(password: string, minLength: number): string | undefined {
  if (Buffer.byteLength(password, "utf8") > 1024) return "must be at most 1024 bytes";
  if ([...password].length < minLength) return `must be at least ${minLength} characters`;
  return undefined;
}

/** Checks an optional display name (at most 200 characters). */
export function checkDisplayName(name: string): string | undefined {
  return maxLength(name, 200);
}

/** Checks an optional e-mail address: empty, or one '@' with text on both sides. */
export function checkEmail(email: string): string | undefined {
  if (email === "") return undefined;
  if (email.length > 320 || !/^[^@\s]+@[^@\s]+$/.test(email)) {
    return "must be an e-mail address such as ada@example.com";
  }
  return undefined;
}

/** Checks a list of global roles: every value a known role, none UNSPECIFIED. */
export function checkGlobalRoles(roles: readonly GlobalRole[]): string | undefined {
  return roles.every((r) => r !== GlobalRole.UNSPECIFIED && globalRoleFromProto(r) !== undefined)
    ? undefined
    : "must hold only GLOBAL_ROLE_VIEWER, _EDITOR, _ADMIN, _CLUSTER_CLIENT or _INTERNAL";
}

/** Validates CreateUser. */
export function checkCreateUserRequest(req: CreateUserRequest, minPassword: number): void {
  failOn([
    ["username", checkUsername(req.username)],
    ["password", checkPassword(req.password, minPassword)],
    ["display_name", checkDisplayName(req.displayName)],
    ["email", checkEmail(req.email)],
    ["global_roles", checkGlobalRoles(req.globalRoles)],
  ]);
}

const updatablePaths = new Set(["display_name", "email", "global_roles"]);

/** Validates UpdateUser; returns the mask paths. */
export function checkUpdateUserRequest(req: UpdateUserRequest): Set<string> {
  const paths = req.updateMask?.paths ?? [];
  const unknown = paths.filter((p) => !updatablePaths.has(p));
  failOn([
    ["username", checkUsername(req.username)],
    [
      "update_mask",
      paths.length === 0
        ? "must name at least one of display_name, email, global_roles"
        : unknown.length > 0
          ? `unknown path ${JSON.stringify(unknown[0])}; expected display_name, email or global_roles`
          : undefined,
    ],
    [
      "display_name",
      paths.includes("display_name") ? checkDisplayName(req.displayName) : undefined,
    ],
    ["email", paths.includes("email") ? checkEmail(req.email) : undefined],
    [
      "global_roles",
      paths.includes("global_roles") ? checkGlobalRoles(req.globalRoles) : undefined,
    ],
  ]);
  return new Set(paths);
}

/** Checks a project role in a request: a known role, not UNSPECIFIED. */
export function checkRole(role: Role): string | undefined {
  return role === Role.VIEWER || role === Role.EDITOR || role === Role.ADMIN
    ? undefined
    : "must be ROLE_VIEWER, ROLE_EDITOR or ROLE_ADMIN";
}

const keyNameRe = /^[a-z0-9_-]{1,63}$/;
const keyIdRe = /^ak_[0-9a-f]{8,32}$/;

/** Checks an API key id such as `ak_3f9c2a7d1b4e`. */
export function checkApiKeyId(id: string): string | undefined {
  if (id === "") return "must not be empty";
  return keyIdRe.test(id) ? undefined : "must be an API key id such as ak_3f9c2a7d1b4e";
}

/** Validates CreateApiKey. */
export function checkCreateApiKeyRequest(req: CreateApiKeyRequest, now: number): void {
  failOn([
    ["project", checkProjectName(req.project)],
    [
      "name",
      keyNameRe.test(req.name) ? undefined : "must be 1-63 characters of a-z, 0-9, '-' and '_'",
    ],
    [
      "scope",
      req.scope === ApiKeyScope.READ || req.scope === ApiKeyScope.READ_WRITE
        ? undefined
        : "must be API_KEY_SCOPE_READ or API_KEY_SCOPE_READ_WRITE",
    ],
    ["key_prefix", checkKeyPrefix(req.keyPrefix)],
    [
      "expire_time",
      req.expireTime && timestampMs(req.expireTime) <= now ? "must lie in the future" : undefined,
    ],
  ]);
}

/** The longest grace period of RotateApiKey. */
export const maxGraceMs = 7 * 24 * 3_600_000;

/** Validates RotateApiKey; returns the grace period in milliseconds. */
export function checkRotateApiKeyRequest(req: RotateApiKeyRequest): number {
  const grace = durationMs(req.gracePeriod);
  const negative =
    req.gracePeriod !== undefined && (req.gracePeriod.seconds < 0n || req.gracePeriod.nanos < 0);
  failOn([
    ["project", checkProjectName(req.project)],
    ["id", checkApiKeyId(req.id)],
    [
      "grace_period",
      negative ? "must not be negative" : grace > maxGraceMs ? "must be at most 7 days" : undefined,
    ],
  ]);
  return grace;
}

/** Checks an audit filter's pattern: exact text, or a prefix ending in a single "*". */
function checkPattern(pattern: string): string | undefined {
  const star = pattern.indexOf("*");
  return star === -1 || star === pattern.length - 1
    ? undefined
    : `"*" may only end the pattern, as in "guardian.config.v1.*"`;
}

/** Validates an audit filter; `prefix` is the path of the filter field in the request. */
export function checkAuditFilter(filter: AuditEventFilter | undefined, prefix = "filter"): void {
  if (!filter) return;
  failOn([
    [`${prefix}.action`, checkPattern(filter.action)],
    [`${prefix}.target`, checkPattern(filter.target)],
    [`${prefix}.project`, filter.project === "" ? undefined : checkProjectName(filter.project)],
    [
      `${prefix}.result`,
      filter.result in AuditResult ? undefined : "must be a known AUDIT_RESULT value",
    ],
  ]);
}
