import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { KindedError } from "../errors/kinded-error.js";

const plainPrefix = "plain:";
const sealedPrefix = "aes-256-gcm:";

/** Why {@link openText} could not open a value. */
export type SealedTextProblem = "unknown_format" | "no_secret" | "malformed" | "wrong_secret";

/** Thrown by {@link openText}; `kind` says why, for a message that names the setting. */
export class SealedTextError extends KindedError<SealedTextProblem, object> {
  constructor(kind: SealedTextProblem, options?: { cause?: unknown }) {
    super(kind, `cannot open sealed text: ${kind.replace("_", " ")}`, {}, options);
  }
}

function keyFrom(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "guardian", purpose, 32));
}

/**
 * Seals text for storage at rest: AES-256-GCM under a key derived (HKDF-SHA256) from `secret`
 * and `purpose` (so one secret yields a different key per use), written
 * `aes-256-gcm:<iv>.<tag>.<ciphertext>` in base64url; without a secret, the text marked
 * `plain:`.
 */
export function sealText(text: string, secret: string | undefined, purpose: string): string {
  if (secret === undefined) return plainPrefix + text;
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyFrom(secret, purpose), iv);
  const body = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]);
  return (
    sealedPrefix + [iv, cipher.getAuthTag(), body].map((p) => p.toString("base64url")).join(".")
  );
}

/** Opens what {@link sealText} wrote with the same `purpose`; throws a {@link SealedTextError}. */
export function openText(stored: string, secret: string | undefined, purpose: string): string {
  if (stored.startsWith(plainPrefix)) return stored.slice(plainPrefix.length);
  if (!stored.startsWith(sealedPrefix)) throw new SealedTextError("unknown_format");
  if (secret === undefined) throw new SealedTextError("no_secret");
  const [iv, tag, body] = stored
    .slice(sealedPrefix.length)
    .split(".")
    .map((p) => Buffer.from(p, "base64url"));
  if (!iv || !tag || !body) throw new SealedTextError("malformed");
  try {
    const decipher = createDecipheriv("aes-256-gcm", keyFrom(secret, purpose), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
  } catch (err) {
    throw new SealedTextError("wrong_secret", { cause: err });
  }
}
