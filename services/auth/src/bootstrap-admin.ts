import { selectFirstLocalAdmin, upsertLocalAdmin } from "@guardian/authz";
import type { Queryable } from "@guardian/db";
import { generatePassword, hashPassword } from "./password.js";

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
  const found = await selectFirstLocalAdmin(db);
  if (found !== undefined) return { created: false, username: found };
  const password = generatePassword();
  await upsertLocalAdmin(db, username, await hashPassword(password));
  return { created: true, username, password };
}
