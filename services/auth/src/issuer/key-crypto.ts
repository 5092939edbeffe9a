import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import type { JWK } from "jose";

const plainPrefix = "plain:";
const sealedPrefix = "aes-256-gcm:";

function keyFrom(secret: string): Buffer {
  return Buffer.from(
    hkdfSync("sha256", secret, "guardian", "guardian signing key encryption v1", 32),
  );
}

/**
 * Serialises a private JWK for the `signing_keys` table: AES-256-GCM with a key derived
 * (HKDF-SHA256) from `secret` when one is configured, otherwise plain JSON marked `plain:`.
 */
export function sealPrivateJwk(jwk: JWK, secret: string | undefined): string {
  const json = JSON.stringify(jwk);
  if (secret === undefined) return plainPrefix + json;
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyFrom(secret), iv);
  const body = Buffer.concat([cipher.update(json, "utf8"), cipher.final()]);
  return (
    sealedPrefix +
    [iv, cipher.getAuthTag(), body].map((part) => part.toString("base64url")).join(".")
  );
}

/**
 * Reads a private JWK written by {@link sealPrivateJwk}. Throws when the key is encrypted and
 * no (or the wrong) secret is given.
 */
export function openPrivateJwk(stored: string, secret: string | undefined): JWK {
  if (stored.startsWith(plainPrefix)) return JSON.parse(stored.slice(plainPrefix.length)) as JWK;
  if (!stored.startsWith(sealedPrefix)) throw new Error("unknown signing key format");
  if (secret === undefined) {
    throw new Error(
      "the signing key is encrypted but GUARDIAN_SIGNING_KEY_SECRET is not set in this process",
    );
  }
  const [iv, tag, body] = stored
    .slice(sealedPrefix.length)
    .split(".")
    .map((part) => Buffer.from(part, "base64url"));
  if (!iv || !tag || !body) throw new Error("malformed encrypted signing key");
  const decipher = createDecipheriv("aes-256-gcm", keyFrom(secret), iv);
  decipher.setAuthTag(tag);
  try {
    return JSON.parse(
      Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8"),
    ) as JWK;
  } catch (err) {
    throw new Error("cannot decrypt the signing key: wrong GUARDIAN_SIGNING_KEY_SECRET", {
      cause: err,
    });
  }
}
