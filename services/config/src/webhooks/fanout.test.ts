import { createJobQueue, startWorker, type JobQueue, type Worker } from "@guardian/db";
import { WebhookDeliveryStatus, WebhookEventType } from "@guardian/api";
import { createLogger } from "@guardian/kit";
import { waitFor } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, newProject, user } from "../testing/fixtures.js";
import { as, useHarness } from "../testing/harness.js";
import { startReceiver, type Receiver } from "../testing/receiver.js";
import { createWebhookFanoutJob, webhookDeliveryTask, webhookQueue } from "./fanout.js";
import { createWebhookTasks } from "./tasks.js";

const h = useHarness({ poolSize: 8 });
const admin = as(user("ada"));
const loopback = { webhookAllowNetworks: ["127.0.0.0/8"] };
let receiver: Receiver;
let queue: JobQueue;

beforeAll(async () => {
  receiver = await startReceiver();
  queue = createJobQueue({ pool: h.pool, notify: "postgres" });
});
afterAll(async () => {
  await receiver?.close();
});

const run = (job = createWebhookFanoutJob({ pool: h.pool, queue })) =>
  job.run({ signal: new AbortController().signal });

async function hook(
  project: string,
  more: { keyPrefix?: string; eventTypes?: WebhookEventType[] } = {},
) {
  const { webhook } = await h
    .webhooksWith({ settings: loopback })
    .createWebhook({ project, url: receiver.url, ...more }, admin);
  return webhook!.id;
}

/** The delivery rows of a webhook as "type key", in revision order. */
async function deliveriesOf(webhookId: string): Promise<string[]> {
  const r = await h.pool.query<{ event_type: string; key: string }>(
    "SELECT event_type, key FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY revision",
    [webhookId],
  );
  return r.rows.map((x) => `${x.event_type} ${x.key}`);
}

/** Deliveries of these webhooks without exactly one queued job keyed by their id. */
async function deliveriesWithoutOneJob(webhookIds: string[]): Promise<number> {
  const r = await h.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM webhook_deliveries d
      WHERE d.webhook_id = ANY ($1::uuid[])
        AND (SELECT count(*) FROM jobs j WHERE j.job_key = d.id::text
               AND j.task = $2 AND j.queue = $3) <> 1`,
    [webhookIds, webhookDeliveryTask, webhookQueue],
  );
  return Number(r.rows[0]!.n);
}

describe("the webhook fan-out", () => {
  it("gives each matching webhook one delivery per change, filtered by prefix and type", async () => {
    const project = await newProject(h);
    const other = await newProject(h);
    const all = await hook(project);
    const euCreates = await hook(project, {
      keyPrefix: "eu",
      eventTypes: [WebhookEventType.CREATE, WebhookEventType.ROLLBACK],
    });
    const disabled = await hook(project);
    await h
      .webhooksWith()
      .updateWebhook(
        { project, id: disabled, updateMask: { paths: ["enabled"] }, enabled: false },
        admin,
      );
    const elsewhere = await hook(other);
    const c = h.config;
    const first = await c.createConfig({ project, key: "eu/a", content: json(1), schema: "any" });
    await c.updateConfig({
      project,
      key: "eu/a",
      content: json(2),
      updateMask: { paths: ["content"] },
    });
    await c.createConfig({ project, key: "eu2/x", content: json(1), schema: "any" });
    await c.createConfig({ project, key: "us/b", content: json(1), schema: "any" });
    await c.rollbackConfig({ project, key: "eu/a", toRevision: first.revision });
    await c.deleteConfig({ project, key: "eu/a" });

    const summary = await run();
    expect(summary).toMatchObject({ deliveries: 8 });
    expect(await deliveriesOf(all)).toEqual([
      "create eu/a",
      "update eu/a",
      "create eu2/x",
      "create us/b",
      "rollback eu/a",
      "delete eu/a",
    ]);
    expect(await deliveriesOf(euCreates)).toEqual(["create eu/a", "rollback eu/a"]);
    expect(await deliveriesOf(disabled)).toEqual([]);
    expect(await deliveriesOf(elsewhere)).toEqual([]);
    expect(await deliveriesWithoutOneJob([all, euCreates])).toBe(0);

    // Running again finds nothing new and enqueues nothing.
    expect(await run()).toEqual({ revisions: 0, deliveries: 0 });
    expect(await deliveriesOf(all)).toHaveLength(6);
  });

  it("fans out revisions that already left the change log for the archive", async () => {
    const project = await newProject(h);
    const id = await hook(project);
    await h.config.createConfig({ project, key: "busy", content: json(0), schema: "any" });
    for (let i = 1; i <= 11; i++) {
      await h.config.updateConfig({
        project,
        key: "busy",
        content: json(i),
        updateMask: { paths: ["content"] },
      });
    }
    const archived = await h.pool.query("SELECT 1 FROM revision_archive WHERE project = $1", [
      project,
    ]);
    expect(archived.rowCount).toBeGreaterThan(0);
    await run();
    expect(await deliveriesOf(id)).toEqual(["create busy", ...Array(11).fill("update busy")]);
  });

  it("delivers exactly once across concurrent runs", async () => {
    const project = await newProject(h);
    const ids = [await hook(project), await hook(project, { keyPrefix: "k" })];
    for (let i = 0; i < 30; i++) {
      await h.config.createConfig({ project, key: `k/${i}`, content: json(i), schema: "any" });
    }
    const job = createWebhookFanoutJob({ pool: h.pool, queue, batchSize: 4 });
    const results = await Promise.all([run(job), run(job), run(job), run(job)]);
    const total = results.reduce((n, r) => n + Number((r as { deliveries: number }).deliveries), 0);
    expect(total).toBe(60);
    for (const id of ids) expect(await deliveriesOf(id)).toHaveLength(30);
    expect(await deliveriesWithoutOneJob(ids)).toBe(0);
  });

  it("leaves nothing behind when a run fails midway, and the next run delivers it all", async () => {
    const project = await newProject(h);
    const id = await hook(project);
    for (let i = 0; i < 3; i++) {
      await h.config.createConfig({ project, key: `f/${i}`, content: json(i), schema: "any" });
    }
    let calls = 0;
    const failing: JobQueue = {
      ...queue,
      enqueue: async (spec, db) => {
        if (++calls === 2) throw new Error("the connection broke");
        return queue.enqueue(spec, db);
      },
    };
    await expect(run(createWebhookFanoutJob({ pool: h.pool, queue: failing }))).rejects.toThrow(
      /connection broke/,
    );
    expect(await deliveriesOf(id)).toEqual([]);
    const jobs = await h.pool.query(
      "SELECT 1 FROM jobs WHERE task = $1 AND payload->>'deliveryId' IN (SELECT id::text FROM webhook_deliveries WHERE webhook_id = $2)",
      [webhookDeliveryTask, id],
    );
    expect(jobs.rowCount).toBe(0);
    await run();
    expect(await deliveriesOf(id)).toHaveLength(3);
    expect(await deliveriesWithoutOneJob([id])).toBe(0);
  });

  it("reaches the receiver through the queue's worker, signed, with the log settled", async () => {
    const project = await newProject(h);
    const id = await hook(project, { keyPrefix: "live" });
    const worker: Worker = startWorker({
      pool: h.pool,
      queue,
      queues: [webhookQueue],
      tasks: createWebhookTasks({ pool: h.pool, settings: loopback }),
      logger: createLogger({ level: "silent" }),
      pollIntervalMs: 100,
    });
    try {
      const { revision } = await h.config.createConfig({
        project,
        key: "live/flag",
        content: json(true),
        schema: "any",
      });
      await run();
      const got = await waitFor(
        async () => receiver.requests.find((r) => r.body.includes(`"live/flag"`)),
        { what: "the delivery to reach the receiver", timeoutMs: 60_000, intervalMs: 50 },
      );
      expect(JSON.parse(got.body)).toMatchObject({
        id: `rev_${revision}`,
        type: "create",
        project,
        key: "live/flag",
        revision: `${revision}`,
        version: `${revision}`,
        author: "anonymous",
      });
      expect(got.headers["guardian-webhook-signature"]).toMatch(/^v1=[0-9a-f]{64}$/);
      await waitFor(
        async () => {
          const r = await h.webhooksWith().listWebhookDeliveries({ project, webhookId: id });
          return r.deliveries[0]?.attempts === 1 ? r.deliveries : undefined;
        },
        { what: "the delivery log to settle", timeoutMs: 60_000, intervalMs: 50 },
      );
      const { deliveries } = await h
        .webhooksWith()
        .listWebhookDeliveries({ project, webhookId: id });
      expect(deliveries).toHaveLength(1);
      expect(deliveries[0]).toMatchObject({
        webhookId: id,
        eventId: `rev_${revision}`,
        eventType: "create",
        key: "live/flag",
        revision,
        status: WebhookDeliveryStatus.SUCCEEDED,
        attempts: 1,
        lastHttpStatus: 204,
        lastError: "",
      });
    } finally {
      await worker.stop();
    }
  });
});
