import { openText, sealText, SealedTextError } from "@guardian/kit";

const purpose = "guardian webhook secret v1";

/**
 * Seals a webhook signing secret for the `webhooks` table: AES-256-GCM with a key derived
 * from `key` (the deployment's GUARDIAN_SIGNING_KEY_SECRET) when one is configured, otherwise
 * marked `plain:` (kit's `sealText`).
 */
export function sealWebhookSecret(secret: string, key: string | undefined): string {
  return sealText(secret, key, purpose);
}

const problems: Record<SealedTextError["kind"], string> = {
  unknown_format: "unknown webhook secret format",
  no_secret: "the webhook secret is encrypted but no key is set",
  malformed: "malformed encrypted webhook secret",
  wrong_secret: "cannot decrypt the webhook secret: wrong GUARDIAN_SIGNING_KEY_SECRET",
};

/** Opens a secret sealed by {@link sealWebhookSecret}; throws without (or with the wrong) key. */
export function openWebhookSecret(stored: string, key: string | undefined): string {
  try {
    return openText(stored, key, purpose);
  } catch (err) {
    if (err instanceof SealedTextError) throw new Error(problems[err.kind], { cause: err });
    throw err;
  }
}
