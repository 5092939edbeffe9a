import { openText, sealText, SealedTextError } from "@guardian/kit";
import type { JWK } from "jose";

const purpose = "guardian signing key encryption v1";

/**
 * Serialises a private JWK for the `signing_keys` table: AES-256-GCM with a key derived from
 * `secret` when one is configured, otherwise plain JSON marked `plain:` (kit's `sealText`).
 */
export function sealPrivateJwk(jwk: JWK, secret: string | undefined): string {
  return sealText(JSON.stringify(jwk), secret, purpose);
}

const problems: Record<SealedTextError["kind"], string> = {
  unknown_format: "unknown signing key format",
  no_secret:
    "the signing key is encrypted but GUARDIAN_SIGNING_KEY_SECRET is not set in this process",
  malformed: "malformed encrypted signing key",
  wrong_secret: "cannot decrypt the signing key: wrong GUARDIAN_SIGNING_KEY_SECRET",
};

/**
 * Reads a private JWK written by {@link sealPrivateJwk}. Throws when the key is encrypted and
 * no (or the wrong) secret is given.
 */
export function openPrivateJwk(stored: string, secret: string | undefined): JWK {
  try {
    return JSON.parse(openText(stored, secret, purpose)) as JWK;
  } catch (err) {
    if (err instanceof SealedTextError) throw new Error(problems[err.kind], { cause: err });
    throw err;
  }
}
