import { randomUUID } from "node:crypto";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { checkProjectName, type WebhookService } from "@guardian/api";
import { auditDetail, auditTarget, projectExists } from "@guardian/authz";
import { withTransaction } from "@guardian/db";
import { definePaging, failOn, invalidArgument, pageSize, principalOf } from "@guardian/kit";
import { createTargetPolicy } from "./address-rules.js";
import {
  checkCreateWebhookRequest,
  checkUpdateWebhookRequest,
  checkWebhookRef,
  checkWebhookSecret,
} from "./check.js";
import { eventTypeNamesOf, webhookToProto } from "./convert.js";
import type { WebhookServiceDeps } from "./deps.js";
import { postWebhook } from "./post.js";
import { openWebhookSecret, sealWebhookSecret } from "./secret-box.js";
import { resolveWebhookSettings } from "./settings.js";
import { deliveryHeaders, generateWebhookSecret } from "./signing.js";
import { vetTarget } from "./target.js";
import {
  countWebhooksLocked,
  deleteWebhook,
  insertWebhook,
  listWebhooks,
  selectWebhook,
  updateWebhook,
  type WebhookChanges,
} from "./sql/webhooks.js";
import { limitExceeded, projectNotFound } from "../error-map.js";
import { webhookNotFound, webhookTarget } from "./errors.js";

// ListWebhooks pages continue after webhook id `a`.
const paging = definePaging({ a: "text" });

type Handlers = Omit<ServiceImpl<typeof WebhookService>, "listWebhookDeliveries">;

/** Creates the webhook handlers (project admins, by the access option). */
export function createWebhookHandlers(deps: WebhookServiceDeps): Handlers {
  const { pool } = deps;
  const settings = resolveWebhookSettings(deps.settings);
  const policy = createTargetPolicy(settings.webhookAllowNetworks);
  const requireTarget = async (url: string) => {
    const problem = await vetTarget(new URL(url), policy);
    if (problem) throw invalidArgument([{ field: "url", description: problem }]);
  };
  const get = async (project: string, id: string) => {
    const row = await selectWebhook(pool, project, id);
    if (!row) throw webhookNotFound(project, id);
    return row;
  };

  return {
    async createWebhook(req, ctx) {
      checkCreateWebhookRequest(req);
      await requireTarget(req.url);
      const id = randomUUID();
      auditTarget(ctx, { target: webhookTarget(req.project, id) });
      const secret = req.secret === "" ? generateWebhookSecret() : req.secret;
      const row = await withTransaction(pool, async (client) => {
        if (!(await projectExists(client, req.project))) throw projectNotFound(req.project);
        const max = settings.maxWebhooksPerProject;
        const count = await countWebhooksLocked(client, req.project);
        if (count >= max) {
          throw limitExceeded(
            `project "${req.project}" already has ${count} webhooks, its limit; delete one first`,
            "webhooks_per_project",
            max,
            count + 1,
          );
        }
        return insertWebhook(client, {
          id,
          project: req.project,
          url: req.url,
          secret: sealWebhookSecret(secret, deps.secretKey),
          key_prefix: req.keyPrefix,
          event_types: eventTypeNamesOf(req.eventTypes),
          created_by: principalOf(ctx).name,
        });
      });
      return { webhook: webhookToProto(row), secret };
    },

    async getWebhook(req) {
      checkWebhookRef(req);
      return { webhook: webhookToProto(await get(req.project, req.id)) };
    },

    async listWebhooks(req, ctx) {
      failOn([["project", checkProjectName(req.project)]]);
      const limit = pageSize(req.pageSize);
      const after = paging.read(ctx, req)?.a;
      if (!(await projectExists(pool, req.project))) throw projectNotFound(req.project);
      const rows = await listWebhooks(pool, req.project, after, limit + 1);
      const { items, nextPageToken } = paging.page(ctx, req, rows, limit, (last) => ({
        a: last.id,
      }));
      return { webhooks: items.map(webhookToProto), nextPageToken };
    },

    async updateWebhook(req) {
      const mask = checkUpdateWebhookRequest(req);
      if (mask.has("url")) await requireTarget(req.url);
      const changes: WebhookChanges = {};
      if (mask.has("url")) changes.url = req.url;
      if (mask.has("key_prefix")) changes.key_prefix = req.keyPrefix;
      if (mask.has("event_types")) changes.event_types = eventTypeNamesOf(req.eventTypes);
      if (mask.has("enabled")) {
        changes.enabled = req.enabled;
        changes.disabled_reason = req.enabled ? "" : "disabled by an admin";
      }
      const row = await updateWebhook(pool, req.project, req.id, changes);
      if (!row) throw webhookNotFound(req.project, req.id);
      return { webhook: webhookToProto(row) };
    },

    async deleteWebhook(req, ctx) {
      checkWebhookRef(req);
      const existed = await deleteWebhook(pool, req.project, req.id);
      if (!existed) throw webhookNotFound(req.project, req.id);
      auditDetail(ctx, { deleted: true });
      return {};
    },

    async rotateWebhookSecret(req) {
      checkWebhookRef(req);
      failOn([["secret", checkWebhookSecret(req.secret)]]);
      const secret = req.secret === "" ? generateWebhookSecret() : req.secret;
      const row = await updateWebhook(pool, req.project, req.id, {
        secret: sealWebhookSecret(secret, deps.secretKey),
      });
      if (!row) throw webhookNotFound(req.project, req.id);
      return { webhook: webhookToProto(row), secret };
    },

    async testWebhook(req, ctx) {
      checkWebhookRef(req);
      const row = await get(req.project, req.id);
      const eventId = `ping_${randomUUID()}`;
      const body = JSON.stringify({
        id: eventId,
        type: "ping",
        project: row.project,
        webhook_id: row.id,
        time: new Date().toISOString(),
      });
      const secret = openWebhookSecret(row.secret, deps.secretKey);
      const outcome = await postWebhook(
        row.url,
        body,
        deliveryHeaders(secret, { id: eventId, type: "ping" }, body),
        {
          policy,
          connectTimeoutMs: settings.webhookConnectTimeoutMs,
          timeoutMs: settings.webhookTimeoutMs,
          responseLimitBytes: settings.webhookResponseLimitBytes,
          signal: ctx.signal,
        },
      );
      if (ctx.signal.aborted) throw new ConnectError("the call was cancelled", Code.Canceled);
      auditDetail(ctx, { http_status: outcome.status, success: outcome.ok });
      return {
        success: outcome.ok,
        httpStatus: outcome.status,
        latency: durationFromMs(outcome.latencyMs),
        error: outcome.error,
        eventId,
      };
    },
  };
}
