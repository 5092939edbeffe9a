import { createHmac, randomBytes } from "node:crypto";

/** The request headers of a delivery (see docs/webhooks.md). */
export const webhookHeaders = {
  /** The event id: the same on every attempt of one delivery; receivers de-duplicate on it. */
  eventId: "guardian-webhook-id",
  /** Unix time in seconds when the attempt was signed. */
  timestamp: "guardian-webhook-timestamp",
  /** `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`. */
  signature: "guardian-webhook-signature",
  /** The event type: create, update, delete, rollback or ping. */
  event: "guardian-webhook-event",
} as const;

/**
 * Signs a delivery: HMAC-SHA256, keyed with the webhook secret (its UTF-8 bytes), over the
 * timestamp in decimal seconds, a '.', and the exact body bytes; the header value is `v1=`
 * and the lowercase hex digest.
 */
export function signDelivery(secret: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");
  return `v1=${mac}`;
}

/** The headers of one attempt: event id, type, timestamp and signature. */
export function deliveryHeaders(
  secret: string,
  event: { id: string; type: string },
  body: string,
  now = Date.now(),
): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return {
    "content-type": "application/json",
    "user-agent": "Guardian-Webhook/1",
    [webhookHeaders.eventId]: event.id,
    [webhookHeaders.event]: event.type,
    [webhookHeaders.timestamp]: String(timestamp),
    [webhookHeaders.signature]: signDelivery(secret, timestamp, body),
  };
}

/** A new signing secret: 32 random bytes, base64url, prefixed `whsec_`. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}
