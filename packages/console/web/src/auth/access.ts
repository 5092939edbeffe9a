import { GlobalRole, Role, type Principal } from "@guardian/api";

/** What an action needs: to read a project, change its configs, or administer it. */
export type Need = "read" | "write" | "admin";

const rank: Record<Need, number> = { read: 1, write: 2, admin: 3 };

const globalRank = (role: GlobalRole): number =>
  role === GlobalRole.ADMIN
    ? 3
    : role === GlobalRole.EDITOR
      ? 2
      : role === GlobalRole.VIEWER
        ? 1
        : 0;

const projectRank = (role: Role): number =>
  role === Role.ADMIN ? 3 : role === Role.EDITOR ? 2 : role === Role.VIEWER ? 1 : 0;

/**
 * Whether the principal's roles allow an action, globally or in `project`. The console uses it
 * only to hide what would be refused: the server decides every call.
 */
export function can(principal: Principal, need: Need, project?: string): boolean {
  const wanted = rank[need];
  if (principal.globalRoles.some((r) => globalRank(r) >= wanted)) return true;
  if (project === undefined) return false;
  return principal.roleBindings.some((b) => b.project === project && projectRank(b.role) >= wanted);
}

/** Whether the principal is a global administrator (users, audit log, cluster membership). */
export function isGlobalAdmin(principal: Principal): boolean {
  return principal.globalRoles.includes(GlobalRole.ADMIN);
}
