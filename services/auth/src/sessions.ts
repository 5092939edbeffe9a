import { createHash, randomBytes } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { TokenPairSchema } from "@guardian/api";
import { parseGlobalRoles, type UserRow } from "@guardian/authz";
import type { Queryable } from "@guardian/db";
import type { IssuedToken, TokenSubject } from "./issuer/token-issuer.js";
import { insertRefreshToken, insertSession } from "./sql/sessions.js";

/** A new refresh token and the hash that is stored instead of it. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = `grt_${randomBytes(32).toString("base64url")}`;
  return { token, hash: hashRefreshToken(token) };
}

/** Hashes a refresh token (SHA-256, hex): 256 random bits need no salt or slow hash. */
export function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** The refresh side of a token pair. */
export interface RefreshGrant {
  sessionId: string;
  refreshToken: string;
  refreshExpiresAt: Date;
}

/** Starts a session (a rotation family) for a user and issues its first refresh token. */
export async function startSession(
  db: Queryable,
  userId: string,
  ttlMs: number,
): Promise<RefreshGrant> {
  const session = await insertSession(db, userId, ttlMs);
  const refresh = newRefreshToken();
  await insertRefreshToken(db, session.id, refresh.hash);
  return {
    sessionId: session.id,
    refreshToken: refresh.token,
    refreshExpiresAt: session.expires_at,
  };
}

/** Describes a user for the built-in issuer's token claims. */
export function tokenSubjectOf(user: UserRow): TokenSubject {
  return {
    subject: user.subject,
    username: user.username,
    ...(user.email ? { email: user.email } : {}),
    ...(user.display_name ? { displayName: user.display_name } : {}),
    globalRoles: parseGlobalRoles(user.global_roles),
    serviceAccount: user.service_account,
  };
}

/** Builds the TokenPair message. */
export function tokenPair(
  access: IssuedToken,
  refresh: RefreshGrant,
): MessageInitShape<typeof TokenPairSchema> {
  return {
    accessToken: access.token,
    refreshToken: refresh.refreshToken,
    tokenType: "Bearer",
    expiresIn: durationFromMs(Math.max(0, access.expiresAt.getTime() - Date.now())),
    expireTime: timestampFromDate(access.expiresAt),
    refreshExpireTime: timestampFromDate(refresh.refreshExpiresAt),
  };
}
