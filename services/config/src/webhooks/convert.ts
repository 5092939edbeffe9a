import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  WebhookDeliveryStatus,
  WebhookEventType,
  type WebhookDeliverySchema,
  type WebhookSchema,
} from "@guardian/api";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { DeliveryRow } from "./sql/deliveries.js";
import type { WebhookRow } from "./sql/webhooks.js";

const eventTypeNames: [WebhookEventType, string][] = [
  [WebhookEventType.CREATE, "create"],
  [WebhookEventType.UPDATE, "update"],
  [WebhookEventType.DELETE, "delete"],
  [WebhookEventType.ROLLBACK, "rollback"],
];

/** The stored names of event types (the store's change types). */
export function eventTypeNamesOf(types: readonly WebhookEventType[]): string[] {
  return types.map((t) => eventTypeNames.find(([e]) => e === t)?.[1] ?? "");
}

const statuses = {
  pending: WebhookDeliveryStatus.PENDING,
  succeeded: WebhookDeliveryStatus.SUCCEEDED,
  failed: WebhookDeliveryStatus.FAILED,
} as const;

/** A webhook row as the Webhook message (never its secret). */
export function webhookToProto(r: WebhookRow): MessageInitShape<typeof WebhookSchema> {
  return {
    id: r.id,
    project: r.project,
    url: r.url,
    keyPrefix: r.key_prefix,
    eventTypes: r.event_types.map(
      (n) => eventTypeNames.find(([, name]) => name === n)?.[0] ?? WebhookEventType.UNSPECIFIED,
    ),
    enabled: r.enabled,
    disabledReason: r.disabled_reason,
    consecutiveFailures: r.consecutive_failures,
    createdBy: r.created_by,
    createTime: timestampFromDate(r.created_at),
    updateTime: timestampFromDate(r.updated_at),
  };
}

/** A delivery row as the WebhookDelivery message. */
export function deliveryToProto(r: DeliveryRow): MessageInitShape<typeof WebhookDeliverySchema> {
  return {
    id: r.id,
    webhookId: r.webhook_id,
    eventId: r.event_id,
    eventType: r.event_type,
    key: r.key,
    revision: BigInt(r.revision),
    status: statuses[r.status],
    attempts: r.attempts,
    lastHttpStatus: r.last_http_status,
    lastLatency: durationFromMs(r.last_latency_ms),
    lastError: r.last_error,
    createTime: timestampFromDate(r.created_at),
    ...(r.last_attempt_at ? { lastAttemptTime: timestampFromDate(r.last_attempt_at) } : {}),
  };
}
