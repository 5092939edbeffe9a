import { randomUUID } from "node:crypto";
import { keyInScope } from "@guardian/api";
import { withTransaction, type JobQueue } from "@guardian/db";
import type { ScheduledJob } from "@guardian/kit";
import { selectChangesAfter, type ChangeRow } from "@guardian/store-service";
import type pg from "pg";
import { insertDeliveries, type NewDelivery } from "./sql/deliveries.js";
import { advanceFanoutCursor, lockFanoutCursor } from "./sql/fanout-cursor.js";
import { selectEnabledWebhooks } from "./sql/webhooks.js";

/** The queue task that delivers one webhook delivery (payload `{ deliveryId }`). */
export const webhookDeliveryTask = "webhook.deliver";

/** The queue webhook deliveries go to, apart from housekeeping. */
export const webhookQueue = "webhooks";

/** Dependencies of {@link createWebhookFanoutJob}. */
export interface WebhookFanoutDeps {
  pool: pg.Pool;
  /** Where delivery jobs are enqueued, inside the fan-out's transaction. */
  queue: JobQueue;
  /** Revisions per transaction. Default 500. */
  batchSize?: number;
  /** Time between runs. Default 1 s. */
  intervalMs?: number;
  /** Attempts of one delivery before it is given up. Default 25. */
  maxAttempts?: number;
}

/**
 * The event id of a config change: `rev_<revision>`. It is the same for every webhook and
 * every attempt, so a receiver de-duplicates on it.
 */
export function changeEventId(revision: bigint | string): string {
  return `rev_${revision}`;
}

/** The body of a change event (content-free: receivers read the content at the revision). */
export function changeEvent(c: ChangeRow): Record<string, unknown> {
  return {
    id: changeEventId(c.revision),
    type: c.change_type,
    project: c.project,
    key: c.key,
    revision: c.revision,
    version: c.revision,
    previous_version: c.previous_revision,
    author: c.author,
    time: c.created_at.toISOString(),
  };
}

/**
 * Creates the scheduled job that fans config changes out to webhooks. One transaction per
 * batch locks the fan-out cursor, reads the changes after it in revision order, inserts one
 * delivery row per matching enabled webhook (an existing row is kept), enqueues one job per
 * new row and moves the cursor: a crash rolls all of it back, and a concurrent run waits on
 * the cursor and starts where this one ended, so every (webhook, change) gets exactly one
 * delivery and one job.
 */
export function createWebhookFanoutJob(deps: WebhookFanoutDeps): ScheduledJob {
  const batchSize = deps.batchSize ?? 500;
  return {
    name: "webhook-fanout",
    intervalMs: deps.intervalMs ?? 1_000,
    async run(ctx) {
      let revisions = 0;
      let deliveries = 0;
      while (!ctx.signal.aborted) {
        const batch = await fanOutBatch(deps, batchSize);
        revisions += batch.revisions;
        deliveries += batch.deliveries;
        if (batch.revisions < batchSize) break;
      }
      return { revisions, deliveries };
    },
  };
}

/** Fans out one batch of changes in one transaction; returns what it did. */
async function fanOutBatch(
  deps: WebhookFanoutDeps,
  batchSize: number,
): Promise<{ revisions: number; deliveries: number }> {
  return withTransaction(deps.pool, async (client) => {
    const after = await lockFanoutCursor(client);
    const changes = await selectChangesAfter(client, after, batchSize);
    const last = changes[changes.length - 1];
    if (!last) return { revisions: 0, deliveries: 0 };
    const projects = [...new Set(changes.map((c) => c.project))];
    const hooks = await selectEnabledWebhooks(client, projects);
    const rows: NewDelivery[] = [];
    for (const change of changes) {
      for (const hook of hooks) {
        if (hook.project !== change.project || !keyInScope(hook.key_prefix, change.key)) continue;
        if (hook.event_types.length > 0 && !hook.event_types.includes(change.change_type)) continue;
        rows.push({
          id: randomUUID(),
          webhook_id: hook.id,
          event_id: changeEventId(change.revision),
          revision: change.revision,
          event_type: change.change_type,
          key: change.key,
          event: changeEvent(change),
        });
      }
    }
    const created = await insertDeliveries(client, rows);
    for (const id of created) {
      await deps.queue.enqueue(
        {
          task: webhookDeliveryTask,
          queue: webhookQueue,
          payload: { deliveryId: id },
          jobKey: id,
          maxAttempts: deps.maxAttempts ?? 25,
        },
        client,
      );
    }
    await advanceFanoutCursor(client, BigInt(last.revision));
    return { revisions: changes.length, deliveries: created.length };
  });
}
