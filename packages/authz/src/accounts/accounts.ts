import { Code, ConnectError } from "@connectrpc/connect";
import type { Queryable } from "@guardian/db";
import { isPgError, pgCodes, type GlobalRoleName, type ProjectRoleName } from "@guardian/kit";
import { LRUCache } from "lru-cache";
import type { AccessChanges } from "../access-changes/access-changes.js";
import { checkUsername, isProjectRoleName, parseGlobalRoles } from "../roles.js";
import { selectAccountRoles } from "../sql/role-bindings.js";
import {
  localIssuer,
  selectUserByAccount,
  touchUserLogin,
  upsertSeenUser,
  type UserRow,
} from "../sql/users.js";

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
  /**
   * Forgets a cached account (after a role binding or user change), or every account. With
   * a change feed, reports an access change instead: every cached account and credential of
   * the process is forgotten.
   */
  invalidate(account?: { issuer: string; subject: string }): void;
}

/** Options of {@link Accounts.local} and {@link Accounts.external}. */
export interface ResolveOptions {
  /** Read the database even when a cached account is fresh. */
  fresh?: boolean;
}

async function projectRolesOf(
  db: Queryable,
  issuer: string,
  subject: string,
): Promise<Record<string, ProjectRoleName>> {
  const roles: Record<string, ProjectRoleName> = {};
  for (const r of await selectAccountRoles(db, { issuer, subject })) {
    if (isProjectRoleName(r.role)) roles[r.project] = r.role;
  }
  return roles;
}

/** The profile fields a token can change. */
type Profile = Pick<
  UserRow,
  "username" | "email" | "display_name" | "global_roles" | "service_account"
>;

function profileChanged(row: Profile, seen: SeenIdentity): boolean {
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
  /**
   * The process's access changes: accounts are reused only while it is live, and all are
   * forgotten on each change. Without it, accounts are reused for `ttlMs`.
   */
  changes?: AccessChanges;
}

/**
 * Creates the account resolver of the RBAC interceptor. It records users the first time a
 * valid token shows them (Keycloak users), keeps their profile and roles current, writes
 * `last_seen_at` at most once a minute, and caches each account with its role bindings for
 * `ttlMs`. With `changes`, the cache answers only while changes are heard and is emptied by
 * each one; an account read while a change was heard is not kept, since it may predate it.
 */
export function createAccounts(db: Queryable, opts: AccountsOptions): Accounts {
  // At most 10,000 accounts; the least recently used is evicted first. Made on first use:
  // lru-cache sizes its arrays for `max` when made.
  let cache: LRUCache<string, Account> | undefined;
  const { changes } = opts;
  changes?.subscribe(() => cache?.clear());
  const keyOf = (issuer: string, subject: string) => `${issuer}\n${subject}`;
  const cached = (key: string, resolve: ResolveOptions | undefined) =>
    resolve?.fresh === true || (changes && !changes.live()) ? undefined : cache?.get(key);
  // Returns the function that keeps an account read from now on, unless a change came first.
  const begin = () => {
    const generation = changes?.generation();
    return (key: string, account: Account) => {
      // A ttl of 0 means "do not reuse" here, while to lru-cache it means "keep forever".
      const current = !changes || (changes.live() && changes.generation() === generation);
      if (opts.ttlMs > 0 && current) {
        cache ??= new LRUCache({ max: 10_000, ttl: opts.ttlMs });
        cache.set(key, account);
      }
      return account;
    };
  };

  return {
    async local(subject, resolve) {
      const key = keyOf(localIssuer, subject);
      const hit = cached(key, resolve);
      if (hit) return hit;
      const remember = begin();
      const row = await selectUserByAccount(db, localIssuer, subject);
      if (!row) throw new ConnectError("user no longer exists", Code.Unauthenticated);
      if (row.seen_stale) await touchUserLogin(db, row.id);
      return remember(key, toAccount(row, await projectRolesOf(db, localIssuer, subject)));
    },

    async external(seen, resolve) {
      const key = keyOf(seen.issuer, seen.subject);
      const hit = cached(key, resolve);
      if (hit && !profileChanged(profileOf(hit), seen)) return hit;
      if (checkUsername(seen.username) !== undefined) {
        throw new ConnectError(
          `username "${Array.from(seen.username.slice(0, 256)).slice(0, 128).join("")}" is not valid in Guardian (a-z, 0-9, '.', '_', '-', '@')`,
          Code.PermissionDenied,
        );
      }
      const remember = begin();
      let row = await selectUserByAccount(db, seen.issuer, seen.subject);
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
      return remember(key, toAccount(row, await projectRolesOf(db, seen.issuer, seen.subject)));
    },

    invalidate(account) {
      // With a change feed every cache of the process depends on what changed: drop them all.
      if (changes) changes.changed();
      else if (account) cache?.delete(keyOf(account.issuer, account.subject));
      else cache?.clear();
    },
  };
}

function profileOf(a: Account): Profile {
  return {
    username: a.username,
    email: a.email ?? null,
    display_name: a.displayName ?? null,
    global_roles: a.globalRoles,
    service_account: a.serviceAccount,
  };
}
