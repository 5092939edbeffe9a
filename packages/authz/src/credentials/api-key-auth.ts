import { Code, ConnectError } from "@connectrpc/connect";
import type { Queryable } from "@guardian/db";
import type { Principal } from "@guardian/kit";
import { selectApiKeyCredential } from "../sql/api-keys.js";
import { apiKeySecretMatches, parseApiKeySecret } from "./api-key-secret.js";

/** Raised for every API key that does not authenticate; the message is safe for clients. */
function rejected(message: string): ConnectError {
  return new ConnectError(message, Code.Unauthenticated);
}

/**
 * Authenticates an `x-api-key` secret against PostgreSQL and returns its principal, whose
 * `expiresAt` is when the secret stops working (the key's expiry, or the end of the
 * previous secret's grace period).
 *
 * Only a secret that matches the stored hash (or the previous secret within its grace
 * period) learns whether the key is revoked or expired; anything else gets one message.
 * Recording the use (`last_used_at`) is left to the caller.
 */
export async function authenticateApiKey(db: Queryable, secret: string): Promise<Principal> {
  const parsed = parseApiKeySecret(secret);
  if (!parsed) throw rejected("invalid API key: expected gdn_<id>_<secret> in x-api-key");
  const row = await selectApiKeyCredential(db, parsed.id);
  const current = row !== undefined && apiKeySecretMatches(secret, row.secret_hash);
  const previous =
    row !== undefined &&
    !current &&
    row.previous_live &&
    row.previous_secret_hash !== null &&
    apiKeySecretMatches(secret, row.previous_secret_hash);
  if (!row || !(current || previous)) throw rejected("invalid API key");
  if (row.revoked) throw rejected("API key has been revoked");
  if (row.expired) throw rejected("API key has expired");
  // A previous secret stops working at the end of its grace period, or with the key.
  const expiresAt = earliest(row.expires_at, previous ? row.previous_secret_expires_at : null);
  return {
    kind: "api_key",
    id: row.lookup,
    name: `apikey:${row.lookup}`,
    project: row.project,
    apiKey: {
      id: row.lookup,
      project: row.project,
      scope: row.scope,
      keyPrefix: row.key_prefix,
    },
    globalRoles: [],
    ...(expiresAt ? { expiresAt } : {}),
  };
}

function earliest(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() <= b.getTime() ? a : b;
}
