import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const plainPrefix = "plain:";
const sealedPrefix = "aes-256-gcm:";

function keyFrom(key: string): Buffer {
  return Buffer.from(hkdfSync("sha256", key, "guardian", "guardian webhook secret v1", 32));
}

/**
 * Seals a webhook signing secret for the `webhooks` table: AES-256-GCM with a key derived
 * (HKDF-SHA256) from `key` (the deployment's GUARDIAN_SIGNING_KEY_SECRET) when one is
 * configured, otherwise marked `plain:`.
 */
export function sealWebhookSecret(secret: string, key: string | undefined): string {
  if (key === undefined) return plainPrefix + secret;
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyFrom(key), iv);
  const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return (
    sealedPrefix + [iv, cipher.getAuthTag(), body].map((p) => p.toString("base64url")).join(".")
  );
}

/** Opens a secret sealed by {@link sealWebhookSecret}; throws without (or with the wrong) key. */
export function openWebhookSecret(stored: string, key: string | undefined): string {
  if (stored.startsWith(plainPrefix)) return stored.slice(plainPrefix.length);
  if (!stored.startsWith(sealedPrefix)) throw new Error("unknown webhook secret format");
  if (key === undefined) throw new Error("the webhook secret is encrypted but no key is set");
  const [iv, tag, body] = stored
    .slice(sealedPrefix.length)
    .split(".")
    .map((p) => Buffer.from(p, "base64url"));
  if (!iv || !tag || !body) throw new Error("malformed encrypted webhook secret");
  const decipher = createDecipheriv("aes-256-gcm", keyFrom(key), iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
}
