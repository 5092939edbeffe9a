import { Code, ConnectError } from "@connectrpc/connect";
import type { Queryable } from "@guardian/db";
import { isPgError, pgCodes, type GlobalRoleName, type ProjectRoleName } from "@guardian/kit";
import { checkUsername, isProjectRoleName, parseGlobalRoles } from "../roles.js";

/** The issuer under which local users of the built-in issuer are stored. */
export const localIssuer = "guardian";

/** A user as the interceptor needs it: identity, state and role bindings. */
export interface Account {
  userId: string;
  /** Storage issuer: `guardian` for local users, the token `iss` otherwise. */
  issuer: string;
  subject: string;
  username: string;
  email?: string;
  displayName?: string;
  /** Stored global roles (for Keycloak users: the roles of their most recent token). */
  globalRoles: GlobalRoleName[];
  serviceAccount: boolean;
  disabled: boolean;
  /** The user's project role bindings. */
  projectRoles: Record<string, ProjectRoleName>;
}

/** What a verified token says about a user of an external issuer (Keycloak). */
export interface SeenIdentity {
  issuer: string;
  subject: string;
  username: string;
  email?: string;
  displayName?: string;
  globalRoles: GlobalRoleName[];
  service: boolean;
}

/** Resolves and caches accounts; see {@link createAccounts}. */
export interface Accounts {
  /**
   * Returns a local user of the built-in issuer; Unauthenticated when it no longer exists.
   * `fresh` bypasses the cache (and refills it).
   */
  local(subject: string, opts?: ResolveOptions): Promise<Account>;
  /** Records an external user on first sight (or refreshes its profile) and returns it. */
  external(identity: SeenIdentity, opts?: ResolveOptions): Promise<Account>;
  /** Forgets a cached account (after a role binding or user change), or every account. */
  invalidate(account?: { issuer: string; subject: string }): void;
}

/** Options of {@link Accounts.local} and {@link Accounts.external}. */
export interface ResolveOptions {
  /** Read the database even when a cached account is fresh. */
  fresh?: boolean;
}

interface UserRow {
  id: string;
  issuer: string;
  subject: string;
  username: string;
  email: string | null;
  display_name: string | null;
  global_roles: string[];
  service_account: boolean;
  disabled: boolean;
  seen_stale: boolean;
}

const userColumns = `id, issuer, subject, username, email, display_name, global_roles,
  service_account, disabled,
  coalesce(last_seen_at < now() - interval '1 minute', true) AS seen_stale`;

async function selectUser(
  db: Queryable,
  issuer: string,
  subject: string,
): Promise<UserRow | undefined> {
  const res = await db.query<UserRow>(
    `SELECT ${userColumns} FROM users WHERE issuer = $1 AND subject = $2`,
    [issuer, subject],
  );
  return res.rows[0];
}

async function touchUser(db: Queryable, id: string): Promise<void> {
  await db.query(`UPDATE users SET last_seen_at = now() WHERE id = $1`, [id]);
}

async function upsertSeenUser(db: Queryable, seen: SeenIdentity): Promise<UserRow> {
  const res = await db.query<UserRow>(
    `INSERT INTO users (issuer, subject, username, email, display_name, global_roles,
                        service_account, last_seen_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now())
     ON CONFLICT (issuer, subject) DO UPDATE
       SET username = EXCLUDED.username, email = EXCLUDED.email,
           display_name = EXCLUDED.display_name, global_roles = EXCLUDED.global_roles,
           service_account = EXCLUDED.service_account, last_seen_at = now(), updated_at = now()
     RETURNING ${userColumns}`,
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

async function selectBindings(
  db: Queryable,
  issuer: string,
  subject: string,
): Promise<Record<string, ProjectRoleName>> {
  const res = await db.query<{ project: string; role: string }>(
    `SELECT project, role FROM role_bindings WHERE issuer = $1 AND subject = $2`,
    [issuer, subject],
  );
  const roles: Record<string, ProjectRoleName> = {};
  for (const r of res.rows) if (isProjectRoleName(r.role)) roles[r.project] = r.role;
  return roles;
}

function profileChanged(row: UserRow, seen: SeenIdentity): boolean {
  return (
    row.username !== seen.username ||
    (row.email ?? undefined) !== seen.email ||
    (row.display_name ?? undefined) !== seen.displayName ||
    row.service_account !== seen.service ||
    row.global_roles.join(",") !== seen.globalRoles.join(",")
  );
}

function toAccount(row: UserRow, projectRoles: Record<string, ProjectRoleName>): Account {
  return {
    userId: row.id,
    issuer: row.issuer,
    subject: row.subject,
    username: row.username,
    ...(row.email ? { email: row.email } : {}),
    ...(row.display_name ? { displayName: row.display_name } : {}),
    globalRoles: parseGlobalRoles(row.global_roles),
    serviceAccount: row.service_account,
    disabled: row.disabled,
    projectRoles,
  };
}

/** Options for {@link createAccounts}. */
export interface AccountsOptions {
  /** How long a resolved account is reused. Changes made through `invalidate` apply at once. */
  ttlMs: number;
}

/**
 * Creates the account resolver of the RBAC interceptor. It records users the first time a
 * valid token shows them (Keycloak users), keeps their profile and roles current, writes
 * `last_seen_at` at most once a minute, and caches each account with its role bindings for
 * `ttlMs`, so that other processes' changes converge within that time.
 */
export function createAccounts(db: Queryable, opts: AccountsOptions): Accounts {
  const cache = new Map<string, { at: number; account: Account }>();
  const keyOf = (issuer: string, subject: string) => `${issuer}\n${subject}`;
  const cached = (key: string, resolve: ResolveOptions | undefined) => {
    if (resolve?.fresh === true) return undefined;
    const hit = cache.get(key);
    return hit && Date.now() - hit.at < opts.ttlMs ? hit.account : undefined;
  };
  const remember = (key: string, account: Account) => {
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { at: Date.now(), account });
    return account;
  };

  return {
    async local(subject, resolve) {
      const key = keyOf(localIssuer, subject);
      const hit = cached(key, resolve);
      if (hit) return hit;
      const row = await selectUser(db, localIssuer, subject);
      if (!row) throw new ConnectError("user no longer exists", Code.Unauthenticated);
      if (row.seen_stale) await touchUser(db, row.id);
      return remember(key, toAccount(row, await selectBindings(db, localIssuer, subject)));
    },

    async external(seen, resolve) {
      const key = keyOf(seen.issuer, seen.subject);
      const hit = cached(key, resolve);
      if (hit && !profileChanged({ ...toRow(hit), seen_stale: false }, seen)) return hit;
      if (checkUsername(seen.username) !== undefined) {
        throw new ConnectError(
          `username "${seen.username.slice(0, 128)}" is not valid in Guardian (a-z, 0-9, '.', '_', '-', '@')`,
          Code.PermissionDenied,
        );
      }
      let row = await selectUser(db, seen.issuer, seen.subject);
      if (!row || row.seen_stale || profileChanged(row, seen)) {
        try {
          row = await upsertSeenUser(db, seen);
        } catch (err) {
          if (isPgError(err, pgCodes.uniqueViolation)) {
            throw new ConnectError(
              `username "${seen.username}" belongs to another user; ask an administrator`,
              Code.PermissionDenied,
            );
          }
          throw err;
        }
      }
      return remember(key, toAccount(row, await selectBindings(db, seen.issuer, seen.subject)));
    },

    invalidate(account) {
      if (account) cache.delete(keyOf(account.issuer, account.subject));
      else cache.clear();
    },
  };
}

function toRow(a: Account): Omit<UserRow, "seen_stale"> {
  return {
    id: a.userId,
    issuer: a.issuer,
    subject: a.subject,
    username: a.username,
    email: a.email ?? null,
    display_name: a.displayName ?? null,
    global_roles: a.globalRoles,
    service_account: a.serviceAccount,
    disabled: a.disabled,
  };
}
