import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "@guardian/api";
import {
  auditDetail,
  checkUsername,
  countOtherEnabledAdmins,
  insertLocalUser,
  listAccountBindings,
  listUsers,
  localIssuer,
  lockGlobalAdmins,
  selectUserByUsername,
  setUserDisabled,
  setUserPassword,
  updateUser,
  type UserRow,
} from "@guardian/authz";
import { withTransaction } from "@guardian/db";
import { definePaging, failOn, maxLength, pageSize, principalOf } from "@guardian/kit";
import type pg from "pg";
import { checkCreateUserRequest, checkPassword, checkUpdateUserRequest } from "../check.js";
import { globalRoleNames, userToProto } from "../convert.js";
import type { AuthServiceDeps } from "../deps.js";
import { userNotFound } from "../error-map.js";
import { hashPassword } from "../password.js";
import { revokeUserSessions } from "../sql/sessions.js";

// ListUsers pages continue after username `a`.
const paging = definePaging({ a: "text" });

type UserHandlers = Pick<
  ServiceImpl<typeof AuthService>,
  | "createUser"
  | "getUser"
  | "listUsers"
  | "updateUser"
  | "disableUser"
  | "enableUser"
  | "setPassword"
>;

/** Reads a user for a change, locked; NotFound when missing. */
async function lockedUser(client: pg.PoolClient, username: string): Promise<UserRow> {
  const user = await selectUserByUsername(client, username, { forUpdate: true });
  if (!user) throw userNotFound(username);
  return user;
}

/** Refuses a change that would leave no enabled global admin. Call with the admin lock held. */
async function keepAnAdmin(client: pg.PoolClient, user: UserRow, what: string): Promise<void> {
  if (!user.disabled && user.global_roles.includes("admin")) {
    if ((await countOtherEnabledAdmins(client, user.id)) === 0) {
      throw new ConnectError(
        `cannot ${what} "${user.username}": it is the last enabled global admin`,
        Code.FailedPrecondition,
      );
    }
  }
}

function localOnly(user: UserRow, what: string): void {
  if (user.issuer !== localIssuer || user.password_hash === null) {
    throw new ConnectError(
      `"${user.username}" is not a local user; ${what} at its identity provider`,
      Code.FailedPrecondition,
    );
  }
}

/** Creates the user administration handlers (global admins only, by the access option). */
export function createUserHandlers(deps: AuthServiceDeps): UserHandlers {
  const { pool, settings, authz } = deps;
  const issuerUrl = settings.issuerUrl;
  const forget = (user: UserRow) =>
    authz.accounts.invalidate({ issuer: user.issuer, subject: user.subject });

  return {
    async createUser(req) {
      checkCreateUserRequest(req, settings.passwordMinLength);
      const passwordHash = await hashPassword(req.password);
      const user = await insertLocalUser(pool, {
        username: req.username,
        passwordHash,
        displayName: req.displayName,
        email: req.email,
        globalRoles: globalRoleNames(req.globalRoles),
        serviceAccount: req.serviceAccount,
      });
      return { user: userToProto(user, issuerUrl) };
    },

    async getUser(req) {
      failOn([["username", checkUsername(req.username)]]);
      const user = await selectUserByUsername(pool, req.username);
      if (!user) throw userNotFound(req.username);
      const bindings = await listAccountBindings(pool, user);
      return { user: userToProto(user, issuerUrl, bindings) };
    },

    async listUsers(req, ctx) {
      failOn([["query", maxLength(req.query, 128)]]);
      const limit = pageSize(req.pageSize);
      const after = paging.read(ctx, req)?.a;
      const rows = await listUsers(pool, {
        ...(after === undefined ? {} : { after }),
        limit: limit + 1,
        ...(req.disabled === undefined ? {} : { disabled: req.disabled }),
        ...(req.query === "" ? {} : { query: req.query }),
      });
      const { items, nextPageToken } = paging.page(ctx, req, rows, limit, (last) => ({
        a: last.username,
      }));
      return { users: items.map((u) => userToProto(u, issuerUrl)), nextPageToken };
    },

    async updateUser(req) {
      const paths = checkUpdateUserRequest(req);
      const roles = paths.has("global_roles") ? globalRoleNames(req.globalRoles) : undefined;
      const user = await withTransaction(pool, async (client) => {
        await lockGlobalAdmins(client);
        const user = await lockedUser(client, req.username);
        if (roles) {
          if (user.issuer !== localIssuer) {
            throw new ConnectError(
              `the global roles of "${user.username}" come from its identity provider's token`,
              Code.FailedPrecondition,
            );
          }
          if (!roles.includes("admin")) await keepAnAdmin(client, user, "remove the admin role of");
        }
        return updateUser(client, user.id, {
          ...(paths.has("display_name") ? { displayName: req.displayName } : {}),
          ...(paths.has("email") ? { email: req.email } : {}),
          ...(roles ? { globalRoles: roles } : {}),
        });
      });
      forget(user);
      return { user: userToProto(user, issuerUrl) };
    },

    async disableUser(req, ctx) {
      failOn([
        ["username", checkUsername(req.username)],
        ["reason", maxLength(req.reason, 500)],
      ]);
      const caller = principalOf(ctx);
      const user = await withTransaction(pool, async (client) => {
        await lockGlobalAdmins(client);
        const user = await lockedUser(client, req.username);
        const self =
          caller.account?.issuer === user.issuer && caller.account.subject === user.subject;
        if (self) {
          throw new ConnectError("you cannot disable yourself", Code.FailedPrecondition);
        }
        await keepAnAdmin(client, user, "disable");
        const updated = await setUserDisabled(client, user.id, true);
        const revoked = await revokeUserSessions(client, user.id, "user_disabled");
        auditDetail(ctx, { revoked_sessions: revoked });
        return updated;
      });
      forget(user);
      return { user: userToProto(user, issuerUrl) };
    },

    async enableUser(req) {
      failOn([["username", checkUsername(req.username)]]);
      const user = await withTransaction(pool, async (client) =>
        setUserDisabled(client, (await lockedUser(client, req.username)).id, false),
      );
      forget(user);
      return { user: userToProto(user, issuerUrl) };
    },

    async setPassword(req, ctx) {
      failOn([
        ["username", checkUsername(req.username)],
        ["new_password", checkPassword(req.newPassword, settings.passwordMinLength)],
      ]);
      const hash = await hashPassword(req.newPassword);
      await withTransaction(pool, async (client) => {
        const user = await lockedUser(client, req.username);
        localOnly(user, "reset its password");
        await setUserPassword(client, user.id, hash);
        const revoked = await revokeUserSessions(client, user.id, "password_reset");
        auditDetail(ctx, { revoked_sessions: revoked });
      });
      return {};
    },
  };
}
