import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const secretRe = /^gdn_(ak_[0-9a-f]{8,32})_([A-Za-z0-9_-]{43})$/;

/** Generates a new API key id such as `ak_3f9c2a7d1b4e`. */
export function generateApiKeyId(): string {
  return `ak_${randomBytes(6).toString("hex")}`;
}

/**
 * Generates a secret for an API key: `gdn_<id>_<43 base64url characters>` (256 random bits).
 * Show it once; store only {@link hashApiKeySecret}.
 */
export function generateApiKeySecret(id: string): string {
  return `gdn_${id}_${randomBytes(32).toString("base64url")}`;
}

/** Returns the key id named by a secret, or undefined when the text is not an API key. */
export function parseApiKeySecret(secret: string): { id: string } | undefined {
  const match = secretRe.exec(secret);
  return match ? { id: match[1]! } : undefined;
}

/**
 * Hashes an API key secret with SHA-256 (hex). A salt or slow hash adds nothing for 256-bit
 * random secrets, and a fast hash keeps per-call verification cheap.
 */
export function hashApiKeySecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Compares a secret with a stored hash in constant time. */
export function apiKeySecretMatches(secret: string, storedHash: string): boolean {
  const actual = Buffer.from(hashApiKeySecret(secret), "hex");
  const expected = Buffer.from(storedHash, "hex");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** The recognisable but unusable start of a secret, for example `gdn_ak_3f9c2a7d1b4e_Xy`. */
export function apiKeySecretHint(secret: string): string {
  const parsed = parseApiKeySecret(secret);
  return parsed ? secret.slice(0, `gdn_${parsed.id}_`.length + 2) : "";
}
