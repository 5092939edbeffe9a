import { Code, ConnectError } from "@connectrpc/connect";
import {
  createErrorMapper,
  isPgError,
  pgCodes,
  pgErrorRules,
  type FailedCall,
} from "@guardian/kit";
import { projectNotFound } from "../error-map.js";

/** The audit target of a webhook, or of a project's webhooks before an id exists. */
export function webhookTarget(project: string, id?: string): string {
  return `projects/${project}/webhooks${id ? `/${id}` : ""}`;
}

/** NotFound for a webhook. */
export function webhookNotFound(project: string, id: string): ConnectError {
  return new ConnectError(`project "${project}" has no webhook "${id}"`, Code.NotFound);
}

const mapOther = createErrorMapper(pgErrorRules);

/**
 * WebhookService's one error table: ConnectErrors pass as they are, a project deleted during
 * CreateWebhook is NotFound, other pg errors go through
 * the shared table (a lost connection is Unavailable), and anything unknown becomes a
 * generic Internal error.
 */
export function toWebhookError(err: unknown, call: FailedCall): ConnectError {
  if (err instanceof ConnectError) return err;
  // The project was deleted while its webhook was being created.
  if (call.method === "createWebhook" && isPgError(err, pgCodes.foreignKeyViolation)) {
    const e = projectNotFound((call.req as { project?: string }).project ?? "");
    e.cause = err;
    return e;
  }
  return mapOther(err, call.requestId);
}
