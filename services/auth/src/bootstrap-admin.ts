import { localIssuer } from "@guardian/authz";
import type { Queryable } from "@guardian/db";
import { generatePassword, hashPassword } from "./password.js";

export { localIssuer };

/** What {@link ensureBootstrapAdmin} did. */
export type BootstrapResult =
  { created: true; username: string; password: string } | { created: false; username: string };

/**
 * Creates the first global admin (`admin`) with a generated password when no local admin
 * exists yet. The password is returned once, to be shown once; only its hash is stored.
 */
export async function ensureBootstrapAdmin(
  db: Queryable,
  username = "admin",
): Promise<BootstrapResult> {
  const existing = await db.query<{ username: string }>(
    `SELECT username FROM users
      WHERE issuer = $1 AND password_hash IS NOT NULL AND 'admin' = ANY (global_roles)
      ORDER BY created_at LIMIT 1`,
    [localIssuer],
  );
  const found = existing.rows[0];
  if (found) return { created: false, username: found.username };
  const password = generatePassword();
  await db.query(
    `INSERT INTO users (issuer, subject, username, display_name, password_hash, global_roles)
     VALUES ($1, $2, $2, 'Administrator', $3, ARRAY['admin'])
     ON CONFLICT (issuer, subject) DO UPDATE
       SET password_hash = EXCLUDED.password_hash, global_roles = EXCLUDED.global_roles, updated_at = now()`,
    [localIssuer, username, await hashPassword(password)],
  );
  return { created: true, username, password };
}
