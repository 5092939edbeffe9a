import { ApiKeyScope, GlobalRole, Role } from "@guardian/api";
import type { ApiKeyScopeName, GlobalRoleName, ProjectRoleName } from "@guardian/kit";

/** Every global role name, in the order of the GlobalRole enum. */
export const globalRoleNames: readonly GlobalRoleName[] = [
  "viewer",
  "editor",
  "admin",
  "cluster_client",
  "internal",
];

const globalToProto: Record<GlobalRoleName, GlobalRole> = {
  viewer: GlobalRole.VIEWER,
  editor: GlobalRole.EDITOR,
  admin: GlobalRole.ADMIN,
  cluster_client: GlobalRole.CLUSTER_CLIENT,
  internal: GlobalRole.INTERNAL,
};

const projectToProto: Record<ProjectRoleName, Role> = {
  viewer: Role.VIEWER,
  editor: Role.EDITOR,
  admin: Role.ADMIN,
};

const scopeToProto: Record<ApiKeyScopeName, ApiKeyScope> = {
  read: ApiKeyScope.READ,
  read_write: ApiKeyScope.READ_WRITE,
};

function invert<K extends string, V extends number>(table: Record<K, V>): Map<V, K> {
  return new Map(Object.entries(table).map(([k, v]) => [v as V, k as K]));
}

const globalFromProto = invert(globalToProto);
const projectFromProto = invert(projectToProto);
const scopeFromProto = invert(scopeToProto);

/** Converts a stored global role name to its enum value. */
export function globalRoleToProto(name: GlobalRoleName): GlobalRole {
  return globalToProto[name];
}

/** Converts a GlobalRole enum value to its stored name; undefined for UNSPECIFIED or unknown. */
export function globalRoleFromProto(role: GlobalRole): GlobalRoleName | undefined {
  return globalFromProto.get(role);
}

/** Converts a stored project role name to its enum value. */
export function projectRoleToProto(name: ProjectRoleName): Role {
  return projectToProto[name];
}

/** Converts a Role enum value to its stored name; undefined for UNSPECIFIED or unknown. */
export function projectRoleFromProto(role: Role): ProjectRoleName | undefined {
  return projectFromProto.get(role);
}

/** Converts a stored API key scope to its enum value. */
export function apiKeyScopeToProto(name: ApiKeyScopeName): ApiKeyScope {
  return scopeToProto[name];
}

/** Converts an ApiKeyScope enum value to its stored name; undefined for UNSPECIFIED. */
export function apiKeyScopeFromProto(scope: ApiKeyScope): ApiKeyScopeName | undefined {
  return scopeFromProto.get(scope);
}

/** Keeps only the strings that are global role names (stored arrays may hold stale values). */
export function parseGlobalRoles(values: readonly string[]): GlobalRoleName[] {
  return globalRoleNames.filter((name) => values.includes(name));
}

/** Tells whether a string is a project role name. */
export function isProjectRoleName(value: string): value is ProjectRoleName {
  return value === "viewer" || value === "editor" || value === "admin";
}

/**
 * Which identity-provider role names grant which global role: for example
 * `{ "guardian-admin": "admin" }`. Built-in tokens carry the same names in
 * `realm_access.roles`, so one mapping serves both issuers.
 */
export type RoleMapping = Readonly<Record<string, GlobalRoleName>>;

/** Builds the role mapping from the GUARDIAN_ROLE_* settings. */
export function roleMappingOf(settings: {
  roleAdmin: string;
  roleEditor: string;
  roleViewer: string;
  roleClusterClient: string;
  roleInternal: string;
}): RoleMapping {
  return {
    [settings.roleViewer]: "viewer",
    [settings.roleEditor]: "editor",
    [settings.roleAdmin]: "admin",
    [settings.roleClusterClient]: "cluster_client",
    [settings.roleInternal]: "internal",
  };
}

/** Maps identity-provider role names to global roles; unknown names are ignored. */
export function mapRoles(mapping: RoleMapping, names: readonly string[]): GlobalRoleName[] {
  const granted = new Set(names.flatMap((n) => (Object.hasOwn(mapping, n) ? [mapping[n]!] : [])));
  return globalRoleNames.filter((r) => granted.has(r));
}

/** The identity-provider role names that stand for the given global roles (the reverse map). */
export function roleNamesFor(mapping: RoleMapping, roles: readonly GlobalRoleName[]): string[] {
  return Object.entries(mapping).flatMap(([name, role]) => (roles.includes(role) ? [name] : []));
}

const usernameRe = /^[a-z0-9._@-]{1,128}$/;

/** Checks a username: 1-128 characters of a-z, 0-9, '.', '_', '-' and '@'. */
export function checkUsername(username: string): string | undefined {
  if (username === "") return "must not be empty";
  if (!usernameRe.test(username)) {
    return "must be 1-128 characters of a-z, 0-9, '.', '_', '-' and '@'";
  }
  return undefined;
}

/**
 * Returns the canonical form of a username typed at sign-in: ASCII letters folded to lower
 * case and nothing else changed, or undefined when the result is no valid username (so no
 * account can have it). Stored usernames are already canonical, so exact comparison with
 * this form is the only matching rule: no locale-dependent case folding (PostgreSQL's
 * `lower()`, JavaScript's `toLowerCase()`) ever decides which account a name reaches.
 */
export function canonicalUsername(typed: string): string | undefined {
  const folded = typed.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
  return usernameRe.test(folded) ? folded : undefined;
}
