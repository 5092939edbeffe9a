import {
  checkKeyPrefix,
  checkProjectName,
  WebhookEventType,
  type CreateWebhookRequest,
  type UpdateWebhookRequest,
} from "@guardian/api";
import { failOn, type Check } from "@guardian/kit";
import { checkWebhookUrl } from "./target.js";

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The fields UpdateWebhook may change. */
export const updatableWebhookFields = ["url", "key_prefix", "event_types", "enabled"] as const;

/** Checks a webhook id: a lowercase UUID. */
export function checkWebhookId(id: string): string | undefined {
  if (id === "") return "must not be empty";
  return uuidRe.test(id) ? undefined : "must be a webhook id (a UUID)";
}

/** Checks an event type filter: known types, none twice. */
export function checkEventTypes(types: readonly WebhookEventType[]): string | undefined {
  const known = new Set<number>([
    WebhookEventType.CREATE,
    WebhookEventType.UPDATE,
    WebhookEventType.DELETE,
    WebhookEventType.ROLLBACK,
  ]);
  if (types.some((t) => !known.has(t))) return "must hold only CREATE, UPDATE, DELETE, ROLLBACK";
  if (new Set(types).size !== types.length) return "must not repeat a type";
  return undefined;
}

/** Checks a caller-chosen secret: empty (generate one) or 32-256 printable ASCII characters. */
export function checkWebhookSecret(secret: string): string | undefined {
  if (secret === "") return undefined;
  if (!/^[\x21-\x7e]+$/.test(secret)) return "must be printable ASCII without spaces";
  if (secret.length < 32 || secret.length > 256) {
    return `must be 32-256 characters, got ${secret.length}`;
  }
  return undefined;
}

/** Checks the project and webhook id every single-webhook RPC names. */
export function checkWebhookRef(req: { project: string; id: string }, idField = "id"): void {
  failOn([
    ["project", checkProjectName(req.project)],
    [idField, checkWebhookId(req.id)],
  ]);
}

/** Checks a CreateWebhook request, naming every bad field at once. */
export function checkCreateWebhookRequest(req: CreateWebhookRequest): void {
  failOn([
    ["project", checkProjectName(req.project)],
    ["url", checkWebhookUrl(req.url)],
    ["key_prefix", checkKeyPrefix(req.keyPrefix)],
    ["event_types", checkEventTypes(req.eventTypes)],
    ["secret", checkWebhookSecret(req.secret)],
  ]);
}

/** Checks an UpdateWebhook request; returns the fields its mask names. */
export function checkUpdateWebhookRequest(req: UpdateWebhookRequest): Set<string> {
  const paths = req.updateMask?.paths ?? [];
  const unknown = paths.filter((p) => !(updatableWebhookFields as readonly string[]).includes(p));
  const mask = new Set(paths);
  const checks: Check[] = [
    ["project", checkProjectName(req.project)],
    ["id", checkWebhookId(req.id)],
    [
      "update_mask",
      paths.length === 0
        ? `must name at least one of ${updatableWebhookFields.join(", ")}`
        : unknown.length > 0
          ? `unknown fields: ${unknown.join(", ")}`
          : undefined,
    ],
  ];
  if (mask.has("url")) checks.push(["url", checkWebhookUrl(req.url)]);
  if (mask.has("key_prefix")) checks.push(["key_prefix", checkKeyPrefix(req.keyPrefix)]);
  if (mask.has("event_types")) checks.push(["event_types", checkEventTypes(req.eventTypes)]);
  failOn(checks);
  return mask;
}
