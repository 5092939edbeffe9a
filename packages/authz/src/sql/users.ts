import type { Queryable } from "@guardian/db";

/** The issuer under which local users of the built-in issuer are stored. */
export const localIssuer = "guardian";

/** A row of `users`. */
export interface UserRow {
  id: string;
  issuer: string;
  subject: string;
  username: string;
  email: string | null;
  display_name: string | null;
  password_hash: string | null;
  global_roles: string[];
  service_account: boolean;
  disabled: boolean;
  created_at: Date;
  updated_at: Date;
  last_seen_at: Date | null;
  /** `last_seen_at` is unset or older than a minute (due for a refresh). */
  seen_stale: boolean;
}

const columns = `id, issuer, subject, username, email, display_name, password_hash, global_roles,
  service_account, disabled, created_at, updated_at, last_seen_at,
  coalesce(last_seen_at < now() - interval '1 minute', true) AS seen_stale`;

/**
 * Reads a user by username (any issuer), optionally locking the row. Pass a canonical
 * username (validated, or from `canonicalUsername`): stored names are canonical, and only
 * they are folded here, so no locale rule can map another spelling onto an account.
 */
export async function selectUserByUsername(
  db: Queryable,
  username: string,
  opts: { forUpdate?: boolean } = {},
): Promise<UserRow | undefined> {
  const res = await db.query<UserRow>(
    `SELECT ${columns} FROM users WHERE lower(username) = $1${opts.forUpdate ? " FOR UPDATE" : ""}`,
    [username],
  );
  return res.rows[0];
}

/** Reads a user by its account key (storage issuer and subject). */
export async function selectUserByAccount(
  db: Queryable,
  issuer: string,
  subject: string,
): Promise<UserRow | undefined> {
  const res = await db.query<UserRow>(
    `SELECT ${columns} FROM users WHERE issuer = $1 AND subject = $2`,
    [issuer, subject],
  );
  return res.rows[0];
}

/** Reads a user by id. */
export async function selectUserById(db: Queryable, id: string): Promise<UserRow | undefined> {
  const res = await db.query<UserRow>(`SELECT ${columns} FROM users WHERE id = $1`, [id]);
  return res.rows[0];
}

/** Inserts a local user or service account of the built-in issuer (subject: a new UUID). */
export async function insertLocalUser(
  db: Queryable,
  user: {
    username: string;
    passwordHash: string;
    displayName: string;
    email: string;
    globalRoles: string[];
    serviceAccount: boolean;
  },
): Promise<UserRow> {
  const res = await db.query<UserRow>(
    `INSERT INTO users (issuer, subject, username, email, display_name, password_hash,
                        global_roles, service_account)
     VALUES ($1, gen_random_uuid()::text, $2, $3, $4, $5, $6, $7)
     RETURNING ${columns}`,
    [
      localIssuer,
      user.username,
      user.email || null,
      user.displayName || null,
      user.passwordHash,
      user.globalRoles,
      user.serviceAccount,
    ],
  );
  return res.rows[0]!;
}

/** Lists users ordered by username, after a username, with optional filters. */
export async function listUsers(
  db: Queryable,
  opts: { after?: string; limit: number; disabled?: boolean; query?: string },
): Promise<UserRow[]> {
  const like = opts.query ? `${opts.query.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const res = await db.query<UserRow>(
    `SELECT ${columns} FROM users
      WHERE ($1::text IS NULL OR username > $1)
        AND ($2::boolean IS NULL OR disabled = $2)
        AND ($3::text IS NULL OR username ILIKE $3 OR email ILIKE $3)
      ORDER BY username LIMIT $4`,
    [opts.after ?? null, opts.disabled ?? null, like, opts.limit],
  );
  return res.rows;
}

/** Changes a user's profile and/or global roles (only the given fields). */
export async function updateUser(
  db: Queryable,
  id: string,
  change: { displayName?: string; email?: string; globalRoles?: string[] },
): Promise<UserRow> {
  const res = await db.query<UserRow>(
    `UPDATE users
        SET display_name = CASE WHEN $2 THEN $3 ELSE display_name END,
            email = CASE WHEN $4 THEN $5 ELSE email END,
            global_roles = CASE WHEN $6 THEN $7::text[] ELSE global_roles END,
            updated_at = now()
      WHERE id = $1
      RETURNING ${columns}`,
    [
      id,
      change.displayName !== undefined,
      change.displayName || null,
      change.email !== undefined,
      change.email || null,
      change.globalRoles !== undefined,
      change.globalRoles ?? [],
    ],
  );
  return res.rows[0]!;
}

/** Sets or clears a user's disabled flag. */
export async function setUserDisabled(
  db: Queryable,
  id: string,
  disabled: boolean,
): Promise<UserRow> {
  const res = await db.query<UserRow>(
    `UPDATE users
        SET disabled = $2, updated_at = CASE WHEN disabled = $2 THEN updated_at ELSE now() END
      WHERE id = $1 RETURNING ${columns}`,
    [id, disabled],
  );
  return res.rows[0]!;
}

/** Replaces a user's password hash. */
export async function setUserPassword(db: Queryable, id: string, hash: string): Promise<void> {
  await db.query(`UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1`, [
    id,
    hash,
  ]);
}

/** Records a sign-in or a call (shown as last_login_time). */
export async function touchUserLogin(db: Queryable, id: string): Promise<void> {
  await db.query(`UPDATE users SET last_seen_at = now() WHERE id = $1`, [id]);
}

/** Records calls of several users at once; a user seen within the last minute is left alone. */
export async function touchUsersSeen(db: Queryable, ids: readonly string[]): Promise<void> {
  await db.query(
    `UPDATE users SET last_seen_at = now()
      WHERE id = ANY($1::uuid[]) AND coalesce(last_seen_at < now() - interval '1 minute', true)`,
    [ids],
  );
}

/**
 * Serialises changes to who is a global admin (across processes), so that two concurrent
 * calls cannot both remove "the last" admin. Call inside a transaction.
 */
export async function lockGlobalAdmins(db: Queryable): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('guardian.global_admins'))`);
}

/** Counts enabled global admins other than the given user. */
export async function countOtherEnabledAdmins(db: Queryable, exceptId: string): Promise<number> {
  const res = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM users
      WHERE id <> $1 AND NOT disabled AND 'admin' = ANY (global_roles)`,
    [exceptId],
  );
  return res.rows[0]!.n;
}

/** Records a user of an external issuer, or refreshes its profile and roles, as seen now. */
export async function upsertSeenUser(
  db: Queryable,
  seen: {
    issuer: string;
    subject: string;
    username: string;
    email?: string;
    displayName?: string;
    globalRoles: string[];
    service: boolean;
  },
): Promise<UserRow> {
  const res = await db.query<UserRow>(
    `INSERT INTO users (issuer, subject, username, email, display_name, global_roles,
                        service_account, last_seen_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now())
     ON CONFLICT (issuer, subject) DO UPDATE
       SET username = EXCLUDED.username, email = EXCLUDED.email,
           display_name = EXCLUDED.display_name, global_roles = EXCLUDED.global_roles,
           service_account = EXCLUDED.service_account, last_seen_at = now(), updated_at = now()
     RETURNING ${columns}`,
    [
      seen.issuer,
      seen.subject,
      seen.username,
      seen.email ?? null,
      seen.displayName ?? null,
      seen.globalRoles,
      seen.service,
    ],
  );
  return res.rows[0]!;
}

/** Returns the username of the oldest local global admin that has a password, if any. */
export async function selectFirstLocalAdmin(db: Queryable): Promise<string | undefined> {
  const res = await db.query<{ username: string }>(
    `SELECT username FROM users
      WHERE issuer = $1 AND password_hash IS NOT NULL AND 'admin' = ANY (global_roles)
      ORDER BY created_at LIMIT 1`,
    [localIssuer],
  );
  return res.rows[0]?.username;
}

/**
 * Makes a local user (subject = username) a global admin with this password hash, creating it
 * when missing. Safe when another process does the same at once: the insert yields to any
 * row that holds the username (`ON CONFLICT DO NOTHING` covers every unique index), and the
 * update then settles the row of this account. Throws when the username belongs to another
 * account.
 */
export async function upsertLocalAdmin(
  db: Queryable,
  username: string,
  passwordHash: string,
): Promise<void> {
  await db.query(
    `INSERT INTO users (issuer, subject, username, display_name, password_hash, global_roles)
     VALUES ($1, $2, $2, 'Administrator', $3, ARRAY['admin'])
     ON CONFLICT DO NOTHING`,
    [localIssuer, username, passwordHash],
  );
  const res = await db.query(
    `UPDATE users SET password_hash = $3, global_roles = ARRAY['admin'], updated_at = now()
      WHERE issuer = $1 AND subject = $2`,
    [localIssuer, username, passwordHash],
  );
  if (res.rowCount === 0) throw new Error(`the username "${username}" belongs to another user`);
}

/**
 * Makes a local service account (subject = username) exist, enabled, without a password and
 * holding only the `internal` global role. Every process that calls the store runs this at
 * start, so replicas starting together run it at once: the insert yields to any row that
 * holds the username (`ON CONFLICT DO NOTHING` covers every unique index, the username's
 * included), and the update changes the row only when it differs, so a restart neither
 * writes nor announces an access change. Throws when the username belongs to another account.
 */
export async function upsertServiceAccount(db: Queryable, username: string): Promise<void> {
  await db.query(
    `INSERT INTO users (issuer, subject, username, display_name, service_account, global_roles)
     VALUES ($1, $2, $2, 'Guardian service', true, ARRAY['internal'])
     ON CONFLICT DO NOTHING`,
    [localIssuer, username],
  );
  const res = await db.query<{ found: boolean }>(
    `WITH changed AS (
       UPDATE users SET service_account = true, global_roles = ARRAY['internal'], disabled = false,
                        updated_at = now()
        WHERE issuer = $1 AND subject = $2
          AND (NOT service_account OR disabled OR global_roles <> ARRAY['internal'])
        RETURNING id)
     SELECT EXISTS (SELECT 1 FROM changed)
         OR EXISTS (SELECT 1 FROM users WHERE issuer = $1 AND subject = $2) AS found`,
    [localIssuer, username],
  );
  if (!res.rows[0]?.found) {
    throw new Error(`the service account username "${username}" belongs to another user`);
  }
}
