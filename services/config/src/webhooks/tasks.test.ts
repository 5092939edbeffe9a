import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { Job } from "@guardian/db";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { newProject, user } from "../testing/fixtures.js";
import { as, useHarness } from "../testing/harness.js";
import { startReceiver, type Receiver } from "../testing/receiver.js";
import { changeEventId, webhookDeliveryTask } from "./fanout.js";
import type { WebhookSettings } from "./settings.js";
import { insertDeliveries } from "./sql/deliveries.js";
import { createWebhookTasks } from "./tasks.js";

const h = useHarness();
const loopback = { webhookAllowNetworks: ["127.0.0.0/8"] };
let receiver: Receiver;
let revision = 1_000n;

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
});
beforeEach(() => {
  receiver.requests.length = 0;
  receiver.answer = (_req, res) => res.writeHead(204).end();
});

/**
 * A receiver's check, written from docs/webhooks.md: the timestamp within 5 minutes of now,
 * the HMAC-SHA256 of "<timestamp>.<body>" equal (in constant time) to the v1 signature, and
 * an event id not seen before.
 */
function verify(
  secret: string,
  headers: IncomingHttpHeaders,
  body: string,
  seen: Set<string>,
  nowSeconds = Math.floor(Date.now() / 1000),
): "ok" | "stale" | "bad signature" | "duplicate" {
  const timestamp = Number(headers["guardian-webhook-timestamp"]);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > 300) return "stale";
  const expected = Buffer.from(
    "v1=" + createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex"),
  );
  const given = Buffer.from(String(headers["guardian-webhook-signature"] ?? ""));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return "bad signature";
  }
  const id = String(headers["guardian-webhook-id"]);
  if (seen.has(id)) return "duplicate";
  seen.add(id);
  return "ok";
}

/** A webhook (allowed to reach loopback) with one pending delivery; returns both ids. */
async function seed(url = receiver.url) {
  const project = await newProject(h);
  const created = await h
    .webhooksWith({ settings: loopback })
    .createWebhook({ project, url }, as(user("ada")));
  const webhookId = created.webhook!.id;
  revision += 1n;
  const event = {
    id: changeEventId(revision),
    type: "update",
    project,
    key: "app/limits",
    revision: `${revision}`,
    version: `${revision}`,
    previous_version: "7",
    author: "ada",
    time: new Date().toISOString(),
  };
  const [deliveryId] = await insertDeliveries(h.pool, [
    {
      id: randomUUID(),
      webhook_id: webhookId,
      event_id: event.id,
      revision: `${revision}`,
      event_type: "update",
      key: "app/limits",
      event,
    },
  ]);
  return { project, webhookId, deliveryId: deliveryId!, secret: created.secret, event };
}

function jobOf(deliveryId: string, attempts = 1, maxAttempts = 25): Job {
  const now = new Date();
  return {
    id: 1n,
    queue: "webhooks",
    task: webhookDeliveryTask,
    payload: { deliveryId },
    priority: 0,
    runAt: now,
    attempts,
    maxAttempts,
    lastError: null,
    jobKey: deliveryId,
    lockedAt: now,
    lockedBy: "test",
    createdAt: now,
    updatedAt: now,
    state: "running",
  };
}

function deliver(settings: Partial<WebhookSettings>, job: Job): Promise<void> {
  const handler = createWebhookTasks({ pool: h.pool, settings })[webhookDeliveryTask]!;
  return handler(job, { signal: new AbortController().signal });
}

async function deliveryRow(id: string) {
  const r = await h.pool.query(
    `SELECT status, attempts, last_http_status, last_latency_ms, last_error, last_attempt_at
       FROM webhook_deliveries WHERE id = $1`,
    [id],
  );
  return r.rows[0] as Record<string, unknown>;
}

async function webhookRow(id: string) {
  const r = await h.pool.query(
    "SELECT enabled, disabled_reason, consecutive_failures FROM webhooks WHERE id = $1",
    [id],
  );
  return r.rows[0] as Record<string, unknown>;
}

describe("the webhook delivery task", () => {
  it("POSTs the event signed as documented, and logs the attempt", async () => {
    const s = await seed();
    await deliver(loopback, jobOf(s.deliveryId));
    expect(receiver.requests).toHaveLength(1);
    const got = receiver.requests[0]!;
    expect(got.method).toBe("POST");
    expect(got.headers["content-type"]).toBe("application/json");
    expect(got.headers["guardian-webhook-id"]).toBe(s.event.id);
    expect(got.headers["guardian-webhook-event"]).toBe("update");
    expect(JSON.parse(got.body)).toEqual(s.event);
    const seen = new Set<string>();
    expect(verify(s.secret, got.headers, got.body, seen)).toBe("ok");
    // A replay of the same delivery, a stale timestamp, a changed body or signature: refused.
    expect(verify(s.secret, got.headers, got.body, seen)).toBe("duplicate");
    const later = Math.floor(Date.now() / 1000) + 600;
    expect(verify(s.secret, got.headers, got.body, new Set(), later)).toBe("stale");
    const tampered = got.body.replace("app/limits", "app/other");
    expect(verify(s.secret, got.headers, tampered, new Set())).toBe("bad signature");
    const forged = { ...got.headers, "guardian-webhook-signature": "v1=" + "0".repeat(64) };
    expect(verify(s.secret, forged, got.body, new Set())).toBe("bad signature");
    const moved = {
      ...got.headers,
      "guardian-webhook-timestamp": `${Number(got.headers["guardian-webhook-timestamp"]) - 1}`,
    };
    expect(verify(s.secret, moved, got.body, new Set())).toBe("bad signature");
    expect(await deliveryRow(s.deliveryId)).toMatchObject({
      status: "succeeded",
      attempts: 1,
      last_http_status: 204,
      last_error: "",
    });
    expect((await deliveryRow(s.deliveryId))["last_attempt_at"]).toBeInstanceOf(Date);
    // Settled: running the job again sends nothing.
    await deliver(loopback, jobOf(s.deliveryId, 2));
    expect(receiver.requests).toHaveLength(1);
  });

  it("throws on a non-2xx answer so the queue retries, and fails the delivery on its last attempt", async () => {
    const s = await seed();
    receiver.answer = (_req, res) => res.writeHead(503).end("busy");
    await expect(deliver(loopback, jobOf(s.deliveryId, 1, 2))).rejects.toThrow(/HTTP 503/);
    expect(await deliveryRow(s.deliveryId)).toMatchObject({
      status: "pending",
      attempts: 1,
      last_http_status: 503,
      last_error: "HTTP 503",
    });
    await expect(deliver(loopback, jobOf(s.deliveryId, 2, 2))).rejects.toThrow(/HTTP 503/);
    expect(await deliveryRow(s.deliveryId)).toMatchObject({ status: "failed", attempts: 2 });
    expect(await webhookRow(s.webhookId)).toMatchObject({ consecutive_failures: 2, enabled: true });
  });

  it("does not follow redirects", async () => {
    const s = await seed();
    receiver.answer = (_req, res) => res.writeHead(302, { location: "/elsewhere" }).end();
    await expect(deliver(loopback, jobOf(s.deliveryId))).rejects.toThrow(/HTTP 302/);
    expect(receiver.requests.map((r) => r.path)).toEqual(["/"]);
  });

  it("disables the webhook after the configured number of consecutive failures", async () => {
    const s = await seed();
    receiver.answer = (_req, res) => res.writeHead(500).end();
    const settings = { ...loopback, webhookMaxFailures: 3 };
    for (let attempt = 1; attempt <= 3; attempt++) {
      await expect(deliver(settings, jobOf(s.deliveryId, attempt))).rejects.toThrow(/HTTP 500/);
    }
    expect(await webhookRow(s.webhookId)).toMatchObject({
      enabled: false,
      consecutive_failures: 3,
      disabled_reason: "disabled after 3 consecutive failed deliveries; last: HTTP 500",
    });
    // The next attempt sends nothing and gives the delivery up.
    await deliver(settings, jobOf(s.deliveryId, 4));
    expect(receiver.requests).toHaveLength(3);
    expect(await deliveryRow(s.deliveryId)).toMatchObject({
      status: "failed",
      attempts: 3,
      last_error: "the webhook is disabled",
    });
  });

  it("resets the failure streak on success", async () => {
    const s = await seed();
    receiver.answer = (_req, res) => res.writeHead(500).end();
    await expect(deliver(loopback, jobOf(s.deliveryId, 1))).rejects.toThrow();
    receiver.answer = (_req, res) => res.writeHead(200).end("ok");
    await deliver(loopback, jobOf(s.deliveryId, 2));
    expect(await webhookRow(s.webhookId)).toMatchObject({ consecutive_failures: 0, enabled: true });
  });

  it("gives up on a receiver that does not answer within the timeout", async () => {
    const s = await seed();
    receiver.answer = () => {};
    await expect(
      deliver({ ...loopback, webhookTimeoutMs: 300 }, jobOf(s.deliveryId)),
    ).rejects.toThrow(/no complete answer within 300 ms/);
    expect(await deliveryRow(s.deliveryId)).toMatchObject({
      status: "pending",
      last_http_status: 0,
      last_error: "no complete answer within 300 ms",
    });
  });

  it("stops reading an answer at the response limit and lets the status decide", async () => {
    const s = await seed();
    // An answer that never ends: only the limit can finish the attempt.
    receiver.answer = (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      const chunk = "x".repeat(16 * 1024);
      const timer = setInterval(() => res.write(chunk), 5);
      res.on("close", () => clearInterval(timer));
    };
    await deliver(
      { ...loopback, webhookResponseLimitBytes: 32 * 1024, webhookTimeoutMs: 120_000 },
      jobOf(s.deliveryId),
    );
    expect(await deliveryRow(s.deliveryId)).toMatchObject({
      status: "succeeded",
      last_http_status: 200,
    });
  });

  it("refuses non-public targets at delivery time, connecting to nothing", async () => {
    for (const url of [
      receiver.url,
      `http://localhost:${receiver.port}`,
      `http://[::ffff:127.0.0.1]:${receiver.port}`,
    ]) {
      const s = await seed(url);
      await expect(deliver({}, jobOf(s.deliveryId))).rejects.toThrow(/is not public/);
      expect(await deliveryRow(s.deliveryId)).toMatchObject({
        status: "pending",
        last_http_status: 0,
      });
      // localhost may resolve to ::1 as well as 127.0.0.1: either is refused.
      expect((await deliveryRow(s.deliveryId))["last_error"]).toMatch(
        /(127\.0\.0\.1|::1)\)? is not public/,
      );
    }
    expect(receiver.requests).toEqual([]);
  });

  it("finishes a job whose webhook was deleted", async () => {
    const s = await seed();
    await h.pool.query("DELETE FROM webhooks WHERE id = $1", [s.webhookId]);
    await deliver(loopback, jobOf(s.deliveryId));
    expect(receiver.requests).toEqual([]);
  });
});
