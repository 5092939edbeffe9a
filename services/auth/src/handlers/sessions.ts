import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "@guardian/api";
import {
  auditContext,
  auditDetail,
  type AuditEventInit,
  canonicalUsername,
  localIssuer,
  recordAudit,
  selectUserByAccount,
  selectUserById,
  selectUserByUsername,
  setUserPassword,
  touchUserLogin,
  type UserRow,
} from "@guardian/authz";
import { withTransaction } from "@guardian/db";
import { failOn, maxLength, principalOf } from "@guardian/kit";
import { checkPassword, required } from "../check.js";
import { userToProto } from "../convert.js";
import type { AuthServiceDeps } from "../deps.js";
import type { IssuedToken } from "../issuer/token-issuer.js";
import { loginKeyOf } from "../login-throttle.js";
import { hashPassword, verifyPassword } from "../password.js";
import {
  hashRefreshToken,
  newRefreshToken,
  startSession,
  tokenPair,
  tokenSubjectOf,
  type RefreshGrant,
} from "../sessions.js";
import {
  insertRefreshToken,
  markRefreshTokenUsed,
  revokeSession,
  revokeUserSessions,
  selectRefreshToken,
} from "../sql/sessions.js";

type SessionHandlers = Pick<
  ServiceImpl<typeof AuthService>,
  "login" | "refresh" | "logout" | "changePassword"
>;

const badLogin = "invalid username or password";

// Verifying against a throwaway hash when the user does not exist keeps the timing of
// "unknown user" and "wrong password" alike, so usernames cannot be probed.
let dummyHash: Promise<string> | undefined;
function verifyDummy(password: string): Promise<boolean> {
  dummyHash ??= hashPassword("guardian: no such user");
  return dummyHash.then((hash) => verifyPassword(password, hash));
}

function actorFields(user: UserRow): Pick<AuditEventInit, "actor" | "actorKind"> {
  return { actor: user.username, actorKind: user.service_account ? "service" : "user" };
}

type RefreshOutcome =
  | { kind: "ok"; access: IssuedToken; grant: RefreshGrant }
  | { kind: "denied"; message: string; user?: UserRow };

/** Creates Login, Refresh, Logout and ChangePassword. */
export function createSessionHandlers(deps: AuthServiceDeps): SessionHandlers {
  const { pool, settings, issuer, throttle } = deps;

  /** Writes an audit event of a refused sign-in; its failure must not hide the refusal. */
  const auditDenied = async (event: Omit<AuditEventInit, "result">): Promise<void> => {
    try {
      await recordAudit(pool, { ...event, result: "denied" });
    } catch (err) {
      deps.logger?.warn({ err }, "writing an audit event failed");
    }
  };

  /** Audits a wrong password: repeated ones share one row per window, with a count. */
  const auditFailure = (event: Omit<AuditEventInit, "result">): Promise<void> =>
    deps.authz.failureAudit.record(event);

  const localUserOf = async (ctx: HandlerContext): Promise<UserRow> => {
    const account = principalOf(ctx).account;
    const user = account && (await selectUserByAccount(pool, account.issuer, account.subject));
    if (!user || user.issuer !== localIssuer || user.password_hash === null) {
      throw new ConnectError(
        "only local users have a Guardian password; change it at your identity provider",
        Code.FailedPrecondition,
      );
    }
    return user;
  };

  return {
    async login(req, ctx) {
      failOn([
        ["username", required(req.username)],
        ["password", required(req.password)],
      ]);
      if (!settings.localLogin) {
        throw new ConnectError(
          "sign-in with a local password is disabled",
          Code.FailedPrecondition,
        );
      }
      const name = canonicalUsername(req.username);
      const base = {
        ...auditContext(ctx),
        target: `users/${(name ?? req.username).slice(0, 128)}`,
      };
      // A name that is no valid username reaches no account; it is still counted and
      // checked against the dummy hash, so that its answer and timing give nothing away.
      const user = name === undefined ? undefined : await selectUserByUsername(pool, name);
      const key = loginKeyOf(user, name ?? req.username.slice(0, 256));
      // The guess is counted before its password is checked.
      await throttle.attempt(key);
      const valid =
        user?.issuer === localIssuer && user.password_hash !== null
          ? await verifyPassword(req.password, user.password_hash)
          : await verifyDummy(req.password).then(() => false);
      if (!user || !valid) {
        await auditFailure({ ...base, errorCode: "unauthenticated", detail: { reason: badLogin } });
        throw new ConnectError(badLogin, Code.Unauthenticated);
      }
      if (user.disabled) {
        await auditDenied({
          ...base,
          ...actorFields(user),
          errorCode: "permission_denied",
          detail: { reason: "user is disabled" },
        });
        throw new ConnectError("user is disabled", Code.PermissionDenied);
      }
      await throttle.succeed(key);
      const signer = await issuer.signer();
      const { access, grant } = await withTransaction(pool, async (client) => {
        await touchUserLogin(client, user.id);
        const grant = await startSession(client, user.id, settings.refreshTokenTtlMs);
        await recordAudit(client, {
          ...base,
          ...actorFields(user),
          result: "ok",
          detail: { session: grant.sessionId },
        });
        return { access: await signer(tokenSubjectOf(user), grant.sessionId), grant };
      });
      return {
        tokens: tokenPair(access, grant),
        user: userToProto({ ...user, last_seen_at: new Date() }, settings.issuerUrl),
      };
    },

    async refresh(req, ctx) {
      failOn([["refresh_token", required(req.refreshToken)]]);
      const signer = await issuer.signer();
      const hash = hashRefreshToken(req.refreshToken);
      const base = auditContext(ctx);
      const outcome = await withTransaction(pool, async (client): Promise<RefreshOutcome> => {
        const row = await selectRefreshToken(client, hash, { forUpdate: true });
        if (!row) return { kind: "denied", message: "invalid refresh token" };
        const user = (await selectUserById(client, row.user_id))!;
        const target = `users/${user.username}`;
        if (row.used) {
          // A spent token came back: it was stolen, or its holder was. End the whole session.
          const revoked = await revokeSession(client, row.session_id, "refresh_token_reused");
          await recordAudit(client, {
            ...base,
            ...actorFields(user),
            action: "auth.refresh_token_reused",
            target,
            result: "denied",
            errorCode: "unauthenticated",
            detail: { reason: "reuse detected", session: row.session_id, revoked: revoked > 0 },
          });
          return {
            kind: "denied",
            message: "refresh token was already used; the session has been revoked, sign in again",
          };
        }
        if (row.revoked) return { kind: "denied", message: "session has been revoked", user };
        if (row.expired) return { kind: "denied", message: "session has expired", user };
        if (user.disabled) return { kind: "denied", message: "user is disabled", user };
        await markRefreshTokenUsed(client, hash);
        const next = newRefreshToken();
        await insertRefreshToken(client, row.session_id, next.hash);
        await recordAudit(client, {
          ...base,
          ...actorFields(user),
          target,
          result: "ok",
          detail: { session: row.session_id },
        });
        return {
          kind: "ok",
          access: await signer(tokenSubjectOf(user), row.session_id),
          grant: {
            sessionId: row.session_id,
            refreshToken: next.token,
            refreshExpiresAt: row.expires_at,
          },
        };
      });
      if (outcome.kind === "ok") return { tokens: tokenPair(outcome.access, outcome.grant) };
      if (outcome.user) {
        await auditDenied({
          ...base,
          ...actorFields(outcome.user),
          target: `users/${outcome.user.username}`,
          errorCode: "unauthenticated",
          detail: { reason: outcome.message },
        });
      }
      throw new ConnectError(outcome.message, Code.Unauthenticated);
    },

    async logout(req, ctx) {
      failOn([
        [
          "refresh_token",
          req.refreshToken === "" && !req.allSessions
            ? "set refresh_token, all_sessions or both"
            : // Refresh tokens are far shorter: a longer one is malformed, not merely unknown.
              maxLength(req.refreshToken, 512),
        ],
      ]);
      const account = principalOf(ctx).account;
      const revoked = await withTransaction(pool, async (client) => {
        const user =
          account && (await selectUserByAccount(client, account.issuer, account.subject));
        let count = 0;
        if (req.refreshToken !== "") {
          const row = await selectRefreshToken(client, hashRefreshToken(req.refreshToken), {
            forUpdate: true,
          });
          if (row && row.user_id !== user?.id) {
            throw new ConnectError(
              "this refresh token belongs to another user",
              Code.PermissionDenied,
            );
          }
          if (row) count += await revokeSession(client, row.session_id, "logout");
        }
        if (req.allSessions && user) count += await revokeUserSessions(client, user.id, "logout");
        auditDetail(ctx, { revoked_sessions: count, all_sessions: req.allSessions });
        return count;
      });
      return { revokedSessions: revoked };
    },

    async changePassword(req, ctx) {
      failOn([
        ["current_password", required(req.currentPassword)],
        ["new_password", checkPassword(req.newPassword, settings.passwordMinLength)],
      ]);
      const user = await localUserOf(ctx);
      const base = { ...auditContext(ctx), target: `users/${user.username}` };
      const key = loginKeyOf(user, user.username);
      await throttle.attempt(key);
      if (!(await verifyPassword(req.currentPassword, user.password_hash!))) {
        await auditFailure({
          ...base,
          errorCode: "unauthenticated",
          detail: { reason: "current password is wrong" },
        });
        throw new ConnectError("current password is wrong", Code.Unauthenticated);
      }
      await throttle.succeed(key);
      const hash = await hashPassword(req.newPassword);
      const signer = await issuer.signer();
      const { access, grant } = await withTransaction(pool, async (client) => {
        await setUserPassword(client, user.id, hash);
        const revoked = await revokeUserSessions(client, user.id, "password_changed");
        const grant = await startSession(client, user.id, settings.refreshTokenTtlMs);
        await recordAudit(client, { ...base, result: "ok", detail: { revoked_sessions: revoked } });
        return { access: await signer(tokenSubjectOf(user), grant.sessionId), grant };
      });
      return { tokens: tokenPair(access, grant) };
    },
  };
}
