import { Permission, type Access } from "@guardian/api";

/** A global role, as named in docs/auth.md. */
export type ModelGlobalRole = "viewer" | "editor" | "admin" | "cluster_client" | "internal";

/** A project role of a role binding. */
export type ModelProjectRole = "viewer" | "editor" | "admin";

/**
 * A caller as the access rules see it: nobody, a user (or service) with global roles and
 * project role bindings, or a project API key without a key prefix.
 */
export type ModelPrincipal =
  | { kind: "anonymous" }
  | {
      kind: "user";
      globalRoles: readonly ModelGlobalRole[];
      projectRoles: Readonly<Record<string, ModelProjectRole>>;
    }
  | { kind: "api_key"; project: string; scope: "read" | "read_write" };

/** What a call should meet at the door: let through, or refused with one of two codes. */
export type Outcome = "allowed" | "unauthenticated" | "permission_denied";

/**
 * Who holds each permission, copied by hand from the enum comments of
 * proto/guardian/v1/access.proto (and the table in docs/auth.md). It is deliberately not
 * derived from `decide` in @guardian/authz, so that the role matrix can catch a mistake there.
 */
const holders: Record<
  Permission,
  { global: readonly ModelGlobalRole[]; project: readonly ModelProjectRole[] }
> = {
  [Permission.UNSPECIFIED]: { global: [], project: [] },
  [Permission.AUTHENTICATED]: { global: [], project: [] },
  [Permission.PROJECT_READ]: {
    global: ["viewer", "editor", "admin"],
    project: ["viewer", "editor", "admin"],
  },
  [Permission.CONFIG_WRITE]: { global: ["editor", "admin"], project: ["editor", "admin"] },
  [Permission.PROJECT_ADMIN]: { global: ["admin"], project: ["admin"] },
  [Permission.PROJECT_CREATE]: { global: ["editor", "admin"], project: [] },
  [Permission.GLOBAL_ADMIN]: { global: ["admin"], project: [] },
  [Permission.CLUSTER_USE]: {
    global: ["editor", "admin", "cluster_client", "internal"],
    project: [],
  },
  [Permission.CLUSTER_READ]: {
    global: ["viewer", "editor", "admin", "cluster_client", "internal"],
    project: [],
  },
  [Permission.INTERNAL]: { global: ["internal"], project: [] },
};

/** The permissions an API key may use (on RPCs with allow_api_key), by scope. */
const apiKeyPermissions: Record<"read" | "read_write", readonly Permission[]> = {
  read: [Permission.AUTHENTICATED, Permission.PROJECT_READ],
  read_write: [Permission.AUTHENTICATED, Permission.PROJECT_READ, Permission.CONFIG_WRITE],
};

/**
 * Computes the expected answer of the RBAC layer for one call: `access` is the RPC's access
 * option (undefined when it declares none, which fails closed for everyone), `project` the
 * value of its `project_field` in the request (undefined for global RPCs).
 */
export function expectedOutcome(
  access: Access | undefined,
  principal: ModelPrincipal,
  project: string | undefined,
): Outcome {
  if (!access) return "permission_denied";
  if (access.public) return "allowed";
  if (principal.kind === "anonymous") return "unauthenticated";
  const permission = access.permission;
  if (principal.kind === "api_key") {
    if (!access.allowApiKey || !apiKeyPermissions[principal.scope].includes(permission)) {
      return "permission_denied";
    }
    // An API key acts only inside its own project; AUTHENTICATED RPCs name none.
    if (permission !== Permission.AUTHENTICATED && project !== principal.project) {
      return "permission_denied";
    }
    return "allowed";
  }
  if (permission === Permission.AUTHENTICATED) return "allowed";
  const grant = holders[permission];
  if (grant.global.some((role) => principal.globalRoles.includes(role))) return "allowed";
  const bound = project === undefined ? undefined : principal.projectRoles[project];
  if (bound !== undefined && grant.project.includes(bound)) return "allowed";
  return "permission_denied";
}
