import type { ServiceImpl } from "@connectrpc/connect";
import type { WebhookService } from "@guardian/api";
import { definePaging, pageSize } from "@guardian/kit";
import { checkWebhookRef } from "./check.js";
import { deliveryToProto } from "./convert.js";
import type { WebhookServiceDeps } from "./deps.js";
import { webhookNotFound } from "./errors.js";
import { listDeliveries } from "./sql/deliveries.js";
import { selectWebhook } from "./sql/webhooks.js";

// ListWebhookDeliveries pages continue below delivery sequence number `s`.
const paging = definePaging({ s: "int" });

/** Creates the ListWebhookDeliveries handler: a webhook's delivery log, newest first. */
export function createDeliveryHandlers(
  deps: WebhookServiceDeps,
): Pick<ServiceImpl<typeof WebhookService>, "listWebhookDeliveries"> {
  return {
    async listWebhookDeliveries(req, ctx) {
      checkWebhookRef({ project: req.project, id: req.webhookId }, "webhook_id");
      const limit = pageSize(req.pageSize);
      const before = paging.read(ctx, req)?.s;
      if (!(await selectWebhook(deps.pool, req.project, req.webhookId))) {
        throw webhookNotFound(req.project, req.webhookId);
      }
      const rows = await listDeliveries(deps.pool, req.webhookId, before, limit + 1);
      const { items, nextPageToken } = paging.page(ctx, req, rows, limit, (last) => ({
        s: BigInt(last.seq),
      }));
      return { deliveries: items.map(deliveryToProto), nextPageToken };
    },
  };
}
