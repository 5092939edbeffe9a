import { bytes, duration, int, list, configWithDefaults, type ConfigOf } from "@guardian/kit";

/**
 * The environment variables of webhook delivery, as `readConfig` field builders. Spread it
 * into the spec of a process that runs the webhook tasks or serves WebhookService.
 */
export const webhookSettings = {
  webhookAllowNetworks: list("GUARDIAN_WEBHOOK_ALLOW_NETWORKS", {
    default: [],
    description:
      "Non-public destinations webhooks may reach anyway: CIDRs (10.20.0.0/16, fd00::/8), IP addresses or host names, comma-separated; every other loopback, private, link-local, CGNAT, multicast or reserved address is refused",
  }),
  maxWebhooksPerProject: int("GUARDIAN_MAX_WEBHOOKS_PER_PROJECT", {
    default: 100,
    min: 1,
    max: 100_000,
    description:
      "Webhooks one project may have; creating one more gets resource_exhausted (every change of a project is delivered to each of its webhooks that matches)",
  }),
  webhookConnectTimeoutMs: duration("GUARDIAN_WEBHOOK_CONNECT_TIMEOUT", {
    default: "5s",
    min: 100,
    max: 60_000,
    description: "How long one delivery attempt may take to connect (DNS and TLS included)",
  }),
  webhookTimeoutMs: duration("GUARDIAN_WEBHOOK_TIMEOUT", {
    default: "10s",
    min: 100,
    max: 120_000,
    description:
      "How long one delivery attempt may take in all, from connect to the end of the answer",
  }),
  webhookMaxFailures: int("GUARDIAN_WEBHOOK_MAX_FAILURES", {
    default: 20,
    min: 1,
    description:
      "Consecutive failed delivery attempts after which a webhook is disabled (UpdateWebhook with enabled re-enables it)",
  }),
  webhookResponseLimitBytes: bytes("GUARDIAN_WEBHOOK_RESPONSE_LIMIT", {
    default: "64KiB",
    min: 0,
    max: 16 * 1024 * 1024,
    description:
      "Bytes of a receiver's answer read (and discarded) at most; reading stops there and the status decides",
  }),
} as const;

/** The typed webhook settings read from {@link webhookSettings}. */
export type WebhookSettings = ConfigOf<typeof webhookSettings>;

/** The settings with every absent one at its default. */
export function resolveWebhookSettings(given: Partial<WebhookSettings> = {}): WebhookSettings {
  return configWithDefaults(webhookSettings, given);
}
