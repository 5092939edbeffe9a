import type { Queryable } from "@guardian/db";

/** Why a session was revoked, as stored in `auth_sessions.revoke_reason`. */
export type RevokeReason =
  "logout" | "password_changed" | "password_reset" | "user_disabled" | "refresh_token_reused";

/** Starts a session for a user; it cannot be refreshed past now + ttl. */
export async function insertSession(
  db: Queryable,
  userId: string,
  ttlMs: number,
): Promise<{ id: string; expires_at: Date }> {
  const res = await db.query<{ id: string; expires_at: Date }>(
    `INSERT INTO auth_sessions (user_id, expires_at)
     VALUES ($1, now() + $2 * interval '1 millisecond')
     RETURNING id, expires_at`,
    [userId, ttlMs],
  );
  return res.rows[0]!;
}

/** Stores the hash of a new refresh token of a session. */
export async function insertRefreshToken(
  db: Queryable,
  sessionId: string,
  tokenHash: string,
): Promise<void> {
  await db.query(`INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)`, [
    tokenHash,
    sessionId,
  ]);
}

/** A refresh token with its session, as Refresh and Logout need it. */
export interface RefreshTokenRow {
  session_id: string;
  user_id: string;
  used: boolean;
  revoked: boolean;
  expired: boolean;
  expires_at: Date;
}

/** Reads a refresh token and its session, locking both (Refresh runs one at a time). */
export async function selectRefreshToken(
  db: Queryable,
  tokenHash: string,
  opts: { forUpdate?: boolean } = {},
): Promise<RefreshTokenRow | undefined> {
  const res = await db.query<RefreshTokenRow>(
    `SELECT s.id AS session_id, s.user_id, t.used_at IS NOT NULL AS used,
            s.revoked_at IS NOT NULL AS revoked, s.expires_at <= now() AS expired, s.expires_at
       FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id
      WHERE t.token_hash = $1${opts.forUpdate ? " FOR UPDATE OF t, s" : ""}`,
    [tokenHash],
  );
  return res.rows[0];
}

/** Marks a refresh token spent. */
export async function markRefreshTokenUsed(db: Queryable, tokenHash: string): Promise<void> {
  await db.query(`UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1`, [tokenHash]);
}

/** Revokes one session; returns 1 when it was live, 0 when it was already revoked. */
export async function revokeSession(
  db: Queryable,
  sessionId: string,
  reason: RevokeReason,
): Promise<number> {
  const res = await db.query(
    `UPDATE auth_sessions SET revoked_at = now(), revoke_reason = $2
      WHERE id = $1 AND revoked_at IS NULL`,
    [sessionId, reason],
  );
  return res.rowCount ?? 0;
}

/** Revokes every live session of a user; returns how many. */
export async function revokeUserSessions(
  db: Queryable,
  userId: string,
  reason: RevokeReason,
): Promise<number> {
  const res = await db.query(
    `UPDATE auth_sessions SET revoked_at = now(), revoke_reason = $2
      WHERE user_id = $1 AND revoked_at IS NULL`,
    [userId, reason],
  );
  return res.rowCount ?? 0;
}

/**
 * Deletes up to `limit` sessions that expired, or were revoked, more than `graceMs` ago,
 * with their refresh tokens; returns how many of each.
 */
export async function deleteEndedSessions(
  db: Queryable,
  graceMs: number,
  limit: number,
): Promise<{ sessions: number; refreshTokens: number }> {
  const res = await db.query<{ sessions: number; tokens: number }>(
    `WITH ended AS (
       SELECT id FROM auth_sessions
        WHERE least(expires_at, revoked_at)
                < now() - make_interval(secs => $1::double precision / 1000)
        ORDER BY least(expires_at, revoked_at) LIMIT $2
     ), tokens AS (
       DELETE FROM refresh_tokens t USING ended e WHERE t.session_id = e.id RETURNING 1
     ), sessions AS (
       DELETE FROM auth_sessions s USING ended e WHERE s.id = e.id RETURNING 1
     )
     SELECT (SELECT count(*) FROM sessions)::int AS sessions,
            (SELECT count(*) FROM tokens)::int AS tokens`,
    [graceMs, limit],
  );
  const row = res.rows[0];
  return { sessions: row?.sessions ?? 0, refreshTokens: row?.tokens ?? 0 };
}
