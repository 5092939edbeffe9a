import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { checkProjectName, type AuthService } from "@guardian/api";
import {
  auditDetail,
  checkUsername,
  countProjectAdmins,
  deleteBinding,
  listProjectBindings,
  projectExists,
  projectRoleFromProto,
  selectBindingRole,
  selectUserByUsername,
  upsertBinding,
} from "@guardian/authz";
import { withTransaction } from "@guardian/db";
import { definePaging, failOn, pageSize, principalOf } from "@guardian/kit";
import { checkRole } from "../check.js";
import { bindingToProto } from "../convert.js";
import type { AuthServiceDeps } from "../deps.js";
import { projectNotFound, userNotFound } from "../error-map.js";

// ListRoleBindings pages continue after username `a`.
const paging = definePaging({ a: "text" });

type RoleBindingHandlers = Pick<
  ServiceImpl<typeof AuthService>,
  "grantRole" | "revokeRole" | "listRoleBindings"
>;

function lastAdmin(project: string, username: string, what: string): ConnectError {
  return new ConnectError(
    `cannot ${what} "${username}": it is the last admin of project "${project}"`,
    Code.FailedPrecondition,
  );
}

/** Creates GrantRole, RevokeRole and ListRoleBindings. */
export function createRoleBindingHandlers(deps: AuthServiceDeps): RoleBindingHandlers {
  const { pool, authz } = deps;
  return {
    async grantRole(req, ctx) {
      failOn([
        ["project", checkProjectName(req.project)],
        ["username", checkUsername(req.username)],
        ["role", checkRole(req.role)],
      ]);
      const role = projectRoleFromProto(req.role)!;
      const actor = principalOf(ctx).name;
      const { binding, account } = await withTransaction(pool, async (client) => {
        // Locking the project serialises its binding changes (the last-admin rule).
        if (!(await projectExists(client, req.project, { lock: true }))) {
          throw projectNotFound(req.project);
        }
        const user = await selectUserByUsername(client, req.username);
        if (!user) throw userNotFound(req.username);
        const current = await selectBindingRole(client, req.project, user);
        if (current === "admin" && role !== "admin") {
          if ((await countProjectAdmins(client, req.project)) <= 1) {
            throw lastAdmin(req.project, user.username, "demote");
          }
        }
        auditDetail(ctx, { previous_role: current ?? null });
        const createdAt = await upsertBinding(client, {
          project: req.project,
          issuer: user.issuer,
          subject: user.subject,
          role,
          createdBy: actor,
        });
        return {
          account: { issuer: user.issuer, subject: user.subject },
          binding: bindingToProto({
            project: req.project,
            username: user.username,
            role,
            created_at: createdAt,
            created_by: actor,
          }),
        };
      });
      authz.accounts.invalidate(account);
      return { binding };
    },

    async revokeRole(req, ctx) {
      failOn([
        ["project", checkProjectName(req.project)],
        ["username", checkUsername(req.username)],
      ]);
      const account = await withTransaction(pool, async (client) => {
        if (!(await projectExists(client, req.project, { lock: true }))) {
          throw projectNotFound(req.project);
        }
        const user = await selectUserByUsername(client, req.username);
        const current = user && (await selectBindingRole(client, req.project, user));
        if (!user || current === undefined) {
          throw new ConnectError(
            `user "${req.username}" has no role on project "${req.project}"`,
            Code.NotFound,
          );
        }
        if (current === "admin" && (await countProjectAdmins(client, req.project)) <= 1) {
          throw lastAdmin(req.project, user.username, "remove");
        }
        auditDetail(ctx, { role: current });
        await deleteBinding(client, req.project, user);
        return { issuer: user.issuer, subject: user.subject };
      });
      authz.accounts.invalidate(account);
      return {};
    },

    async listRoleBindings(req, ctx) {
      failOn([["project", checkProjectName(req.project)]]);
      const limit = pageSize(req.pageSize);
      const after = paging.read(ctx, req)?.a;
      if (!(await projectExists(pool, req.project))) throw projectNotFound(req.project);
      const rows = await listProjectBindings(pool, req.project, {
        ...(after === undefined ? {} : { after }),
        limit: limit + 1,
      });
      const { items, nextPageToken } = paging.page(ctx, req, rows, limit, (last) => ({
        a: last.username,
      }));
      return { bindings: items.map(bindingToProto), nextPageToken };
    },
  };
}
