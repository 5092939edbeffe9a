import { Permission, type Access } from "@guardian/api";
import type { GlobalRoleName, Principal, ProjectRoleName } from "@guardian/kit";
import {
  apiKeyProjectProblem,
  apiKeyTargetProblem,
  apiKeyWholeProjectProblem,
} from "./api-key-scope.js";

/** What a call addresses, read from its request by the access option's field names. */
export interface CallTarget {
  /** The value of `project_field`; undefined when the RPC names none. */
  project?: string;
  /** The values of the `key_fields` that are set (empty when none is). */
  keys: string[];
}

/** The outcome of {@link decide}: allowed, or denied with a message safe for the client. */
export type Decision = { allowed: true } | { allowed: false; message: string };

const allow: Decision = { allowed: true };

function deny(message: string): Decision {
  return { allowed: false, message };
}

/** Which global roles grant each global or project permission (see guardian.v1.Permission). */
const globalGrants: Record<Permission, readonly GlobalRoleName[]> = {
  [Permission.UNSPECIFIED]: [],
  [Permission.AUTHENTICATED]: [],
  [Permission.PROJECT_READ]: ["viewer", "editor", "admin"],
  [Permission.CONFIG_WRITE]: ["editor", "admin"],
  [Permission.PROJECT_ADMIN]: ["admin"],
  [Permission.PROJECT_CREATE]: ["editor", "admin"],
  [Permission.GLOBAL_ADMIN]: ["admin"],
  [Permission.CLUSTER_USE]: ["editor", "admin", "cluster_client", "internal"],
  [Permission.CLUSTER_READ]: ["viewer", "editor", "admin", "cluster_client", "internal"],
  [Permission.INTERNAL]: ["internal"],
};

/** Which project roles grant each project-scoped permission. */
const projectGrants: Partial<Record<Permission, readonly ProjectRoleName[]>> = {
  [Permission.PROJECT_READ]: ["viewer", "editor", "admin"],
  [Permission.CONFIG_WRITE]: ["editor", "admin"],
  [Permission.PROJECT_ADMIN]: ["admin"],
};

const needs: Record<Permission, string> = {
  [Permission.UNSPECIFIED]: "an access rule",
  [Permission.AUTHENTICATED]: "a signed-in caller",
  [Permission.PROJECT_READ]: "the viewer role",
  [Permission.CONFIG_WRITE]: "the editor role",
  [Permission.PROJECT_ADMIN]: "the admin role",
  [Permission.PROJECT_CREATE]: "the global editor or admin role",
  [Permission.GLOBAL_ADMIN]: "the global admin role",
  [Permission.CLUSTER_USE]: "a global editor, admin or cluster client role",
  [Permission.CLUSTER_READ]: "a global role",
  [Permission.INTERNAL]: "Guardian's internal service role",
};

function requirement(permission: Permission, project: string | undefined): string {
  const base = needs[permission] ?? "a permission";
  return project !== undefined && projectGrants[permission]
    ? `${base} on project "${project}"`
    : base;
}

function decideApiKey(
  access: Access,
  principal: Principal,
  target: CallTarget,
  rpc: string,
): Decision {
  const key = principal.apiKey;
  if (!key || !access.allowApiKey) return deny(`API keys may not call ${rpc}`);
  switch (access.permission) {
    case Permission.AUTHENTICATED:
      return allow;
    case Permission.PROJECT_READ:
    case Permission.CONFIG_WRITE:
      break;
    default:
      return deny(`API keys may not call ${rpc}`);
  }
  const wrongProject = apiKeyProjectProblem(key, target.project);
  if (wrongProject !== undefined) return deny(wrongProject);
  if (access.permission === Permission.CONFIG_WRITE && key.scope !== "read_write") {
    return deny(`this API key is read-only; ${rpc} needs the read_write scope`);
  }
  // Named keys are checked in key form; the config service also holds `prefix` fields to
  // the prefix form of the rule.
  const outside =
    target.keys.length === 0
      ? apiKeyWholeProjectProblem(key)
      : target.keys.map((k) => apiKeyTargetProblem(key, { key: k })).find((p) => p !== undefined);
  if (outside !== undefined) return deny(outside);
  return allow;
}

/**
 * Decides whether a principal may make a call, from the RPC's access option alone (pure;
 * authentication happened before). Fails closed: an unknown or unspecified permission is
 * denied. `rpc` names the method in messages.
 */
export function decide(
  access: Access,
  principal: Principal,
  target: CallTarget,
  rpc: string,
): Decision {
  if (access.public) return allow;
  if (principal.kind === "anonymous") return deny("not signed in");
  if (principal.kind === "api_key") return decideApiKey(access, principal, target, rpc);
  const permission = access.permission;
  if (permission === Permission.AUTHENTICATED) return allow;
  const global = principal.globalRoles ?? [];
  if ((globalGrants[permission] ?? []).some((r) => global.includes(r))) return allow;
  const projectRoles = projectGrants[permission];
  if (projectRoles && target.project !== undefined) {
    const bindings = principal.projectRoles ?? {};
    const role = Object.hasOwn(bindings, target.project) ? bindings[target.project] : undefined;
    if (role !== undefined && projectRoles.includes(role)) return allow;
  }
  return deny(`permission denied: ${rpc} needs ${requirement(permission, target.project)}`);
}
