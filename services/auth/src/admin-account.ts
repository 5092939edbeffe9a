import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { CreateUserRequestSchema, GlobalRole } from "@guardian/api";
import {
  insertLocalUser,
  localIssuer,
  lockGlobalAdmins,
  recordAudit,
  selectUserByUsername,
  setUserDisabled,
  setUserPassword,
  updateUser,
} from "@guardian/authz";
import { withTransaction } from "@guardian/db";
import type pg from "pg";
import { checkCreateUserRequest } from "./check.js";
import { hashPassword, verifyPassword } from "./password.js";
import { revokeUserSessions } from "./sql/sessions.js";

/** What {@link ensureAdminAccount} asks for. */
export interface AdminAccountRequest {
  username: string;
  password: string;
  /** Replace the password of an existing user whose password differs. */
  resetPassword: boolean;
  /** The password policy (GUARDIAN_PASSWORD_MIN_LENGTH). */
  passwordMinLength: number;
}

/**
 * What {@link ensureAdminAccount} did: `created` a new user, `updated` an existing one (its
 * password reset, or the admin role granted or the account enabled), or `unchanged`.
 */
export type AdminAccountOutcome = "created" | "updated" | "unchanged";

/**
 * Makes a local user an enabled global admin with the given password, directly in the
 * database (the first administrator of a deployment, before anyone can sign in). The
 * username and password are checked exactly as CreateUser checks them (InvalidArgument).
 * Running it again with the same password changes nothing. A user whose password differs is
 * refused with AlreadyExists unless `resetPassword` is set; then the password is replaced and
 * the user's sessions are revoked, as SetPassword does. A user of an identity provider, or a
 * service account, is refused with FailedPrecondition. Every change is audited.
 */
export async function ensureAdminAccount(
  pool: pg.Pool,
  req: AdminAccountRequest,
): Promise<AdminAccountOutcome> {
  checkCreateUserRequest(
    create(CreateUserRequestSchema, {
      username: req.username,
      password: req.password,
      globalRoles: [GlobalRole.ADMIN],
    }),
    req.passwordMinLength,
  );
  const hash = await hashPassword(req.password);
  return withTransaction(pool, async (db) => {
    // Serialises with other admin changes, and with another run of this for the same user.
    await lockGlobalAdmins(db);
    const user = await selectUserByUsername(db, req.username, { forUpdate: true });
    const audit = (action: string, detail: Record<string, unknown> = {}) =>
      recordAudit(db, {
        actor: "",
        actorKind: "",
        action: `auth.${action}`,
        target: `users/${req.username}`,
        result: "ok",
        detail: { by: "guardian admin create", ...detail },
      });
    if (!user) {
      await insertLocalUser(db, {
        username: req.username,
        passwordHash: hash,
        displayName: "Administrator",
        email: "",
        globalRoles: ["admin"],
        serviceAccount: false,
      });
      await audit("admin_created");
      return "created";
    }
    if (user.issuer !== localIssuer || user.password_hash === null || user.service_account) {
      throw new ConnectError(
        `"${user.username}" exists and is not a local user with a password (an identity provider's user or a service account)`,
        Code.FailedPrecondition,
      );
    }
    const samePassword = await verifyPassword(req.password, user.password_hash);
    if (!samePassword && !req.resetPassword) {
      throw new ConnectError(
        `user "${user.username}" already exists with a different password; pass --reset-password to replace it`,
        Code.AlreadyExists,
      );
    }
    const isAdmin = user.global_roles.includes("admin");
    if (samePassword && isAdmin && !user.disabled) return "unchanged";
    if (!isAdmin) await updateUser(db, user.id, { globalRoles: [...user.global_roles, "admin"] });
    if (user.disabled) await setUserDisabled(db, user.id, false);
    let revoked = 0;
    if (!samePassword) {
      await setUserPassword(db, user.id, hash);
      revoked = await revokeUserSessions(db, user.id, "password_reset");
    }
    await audit("admin_updated", {
      password_reset: !samePassword,
      admin_granted: !isAdmin,
      enabled: user.disabled,
      revoked_sessions: revoked,
    });
    return "updated";
  });
}
