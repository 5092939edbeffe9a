import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import { WebhookService } from "@guardian/api";
import { auditMutations, type AuditTable } from "@guardian/authz";
import { mapErrors } from "@guardian/kit";
import { createDeliveryHandlers } from "./deliveries.js";
import type { WebhookServiceDeps } from "./deps.js";
import { toWebhookError, webhookTarget } from "./errors.js";
import { createWebhookHandlers } from "./handlers.js";

type Impl = ServiceImpl<typeof WebhookService>;

const audited = {
  target: (req: { project: string; id?: string }) => ({
    project: req.project,
    target: webhookTarget(req.project, req.id),
  }),
};

/**
 * The audited WebhookService mutations, targets `projects/<project>/webhooks/<id>`
 * (CreateWebhook names its new id once it has one); no secret is ever part of an event.
 */
export const webhookAuditTable: AuditTable<typeof WebhookService> = {
  createWebhook: audited,
  updateWebhook: audited,
  deleteWebhook: audited,
  rotateWebhookSecret: audited,
  testWebhook: audited,
};

/**
 * Creates the WebhookService implementation: handlers run validate → authorize (the access
 * option: project admin) → PostgreSQL → map, every failure goes through
 * {@link toWebhookError}, and every mutation is audited ({@link webhookAuditTable}).
 */
export function createWebhookService(deps: WebhookServiceDeps): Impl {
  const impl: Impl = { ...createWebhookHandlers(deps), ...createDeliveryHandlers(deps) };
  return auditMutations(
    WebhookService,
    mapErrors(WebhookService, impl, toWebhookError),
    deps.pool,
    webhookAuditTable,
  );
}

/** Registers `guardian.config.v1.WebhookService` on a router. */
export function createWebhookRoutes(deps: WebhookServiceDeps): (router: ConnectRouter) => void {
  return (router) => {
    router.service(WebhookService, createWebhookService(deps));
  };
}
