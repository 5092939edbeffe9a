import { withTransaction, type TaskHandler } from "@guardian/db";
import type pg from "pg";
import { createTargetPolicy } from "./address-rules.js";
import { webhookDeliveryTask } from "./fanout.js";
import { postWebhook } from "./post.js";
import { openWebhookSecret } from "./secret-box.js";
import { resolveWebhookSettings, type WebhookSettings } from "./settings.js";
import { deliveryHeaders } from "./signing.js";
import { failDelivery, recordDeliveryAttempt, selectDeliveryTarget } from "./sql/deliveries.js";
import { recordWebhookOutcome } from "./sql/webhooks.js";

/** Dependencies of {@link createWebhookTasks}. */
export interface WebhookTaskDeps {
  pool: pg.Pool;
  /** The webhook settings; absent ones take their defaults. */
  settings?: Partial<WebhookSettings>;
  /** The key webhook secrets are sealed with (GUARDIAN_SIGNING_KEY_SECRET), if any. */
  secretKey?: string;
}

/**
 * Creates the queue task that delivers one webhook delivery: it POSTs the event (the body
 * fixed at fan-out), signed with the webhook's current secret, records the attempt's
 * status, latency and error in the delivery log and the webhook's failure streak (disabling
 * the webhook at GUARDIAN_WEBHOOK_MAX_FAILURES), and throws on failure so that the queue
 * retries with backoff. A delivery already settled, or whose webhook is gone, is done; one
 * whose webhook is disabled is marked failed without an attempt.
 */
export function createWebhookTasks(deps: WebhookTaskDeps): Record<string, TaskHandler> {
  const settings = resolveWebhookSettings(deps.settings);
  const policy = createTargetPolicy(settings.webhookAllowNetworks);
  const deliver: TaskHandler = async (job, ctx) => {
    const { deliveryId } = job.payload as { deliveryId?: unknown };
    if (typeof deliveryId !== "string") throw new Error("the job has no delivery id");
    const d = await selectDeliveryTarget(deps.pool, deliveryId);
    if (!d || d.status !== "pending") return;
    if (!d.enabled) {
      await failDelivery(deps.pool, d.id, "the webhook is disabled");
      return;
    }
    const body = JSON.stringify(d.event);
    const secret = openWebhookSecret(d.secret, deps.secretKey);
    const outcome = await postWebhook(
      d.url,
      body,
      deliveryHeaders(secret, { id: d.event_id, type: d.event_type }, body),
      {
        policy,
        connectTimeoutMs: settings.webhookConnectTimeoutMs,
        timeoutMs: settings.webhookTimeoutMs,
        responseLimitBytes: settings.webhookResponseLimitBytes,
        signal: ctx.signal,
      },
    );
    // A worker that stops releases the job; the attempt it cut short does not count.
    if (ctx.signal.aborted) throw new Error("the worker stopped");
    const lastAttempt = job.attempts >= job.maxAttempts;
    await withTransaction(deps.pool, async (client) => {
      await recordDeliveryAttempt(client, d.id, {
        status: outcome.ok ? "succeeded" : lastAttempt ? "failed" : "pending",
        httpStatus: outcome.status,
        latencyMs: outcome.latencyMs,
        error: outcome.error,
      });
      await recordWebhookOutcome(
        client,
        d.webhook_id,
        outcome.ok,
        settings.webhookMaxFailures,
        `disabled after ${settings.webhookMaxFailures} consecutive failed deliveries; last: ${outcome.error}`,
      );
    });
    if (!outcome.ok) throw new Error(`webhook delivery failed: ${outcome.error}`);
  };
  return { [webhookDeliveryTask]: deliver };
}
