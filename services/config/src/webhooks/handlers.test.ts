import { Code } from "@connectrpc/connect";
import { BadRequestSchema, LimitExceededSchema, WebhookEventType } from "@guardian/api";
import { failureOf } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newProject, user } from "../testing/fixtures.js";
import { as, useHarness } from "../testing/harness.js";
import { startReceiver, type Receiver } from "../testing/receiver.js";

const h = useHarness();
const admin = as(user("ada"));
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
});

/** The fields a BadRequest detail of an error names. */
function badFields(err: Awaited<ReturnType<typeof failureOf>>): string[] {
  return err.findDetails(BadRequestSchema).flatMap((d) => d.fieldViolations.map((v) => v.field));
}

describe("WebhookService", () => {
  it("creates a webhook, returns its secret once and never again", async () => {
    const webhooks = h.webhooksWith({ settings: { webhookAllowNetworks: ["127.0.0.0/8"] } });
    const project = await newProject(h);
    const created = await webhooks.createWebhook(
      {
        project,
        url: `${receiver.url}/hook`,
        keyPrefix: "eu",
        eventTypes: [WebhookEventType.CREATE, WebhookEventType.DELETE],
      },
      admin,
    );
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(created.webhook).toMatchObject({
      project,
      url: `${receiver.url}/hook`,
      keyPrefix: "eu",
      eventTypes: [WebhookEventType.CREATE, WebhookEventType.DELETE],
      enabled: true,
      consecutiveFailures: 0,
      createdBy: "ada",
    });
    const id = created.webhook!.id;
    const got = await webhooks.getWebhook({ project, id });
    expect(got.webhook).toEqual(created.webhook);
    const text = JSON.stringify(got, (_k, v: unknown) => (typeof v === "bigint" ? `${v}` : v));
    expect(text).not.toContain(created.secret);
    const stored = await h.pool.query<{ secret: string }>(
      "SELECT secret FROM webhooks WHERE id = $1",
      [id],
    );
    expect(stored.rows[0]?.secret).toBe(`plain:${created.secret}`);
    const audit = await h.pool.query<{ target: string; result: string; detail: unknown }>(
      "SELECT target, result, detail FROM audit_log WHERE action LIKE '%WebhookService/CreateWebhook' AND project = $1",
      [project],
    );
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({
      target: `projects/${project}/webhooks/${id}`,
      result: "ok",
    });
    expect(JSON.stringify(audit.rows[0])).not.toContain(created.secret);
  });

  it("seals secrets at rest when a key is configured, and signs with the opened secret", async () => {
    const webhooks = h.webhooksWith({
      settings: { webhookAllowNetworks: ["127.0.0.0/8"] },
      secretKey: "a deployment key of some length",
    });
    const project = await newProject(h);
    const secret = "s".repeat(40);
    const { webhook } = await webhooks.createWebhook({ project, url: receiver.url, secret }, admin);
    const stored = await h.pool.query<{ secret: string }>(
      "SELECT secret FROM webhooks WHERE id = $1",
      [webhook!.id],
    );
    expect(stored.rows[0]?.secret).toMatch(/^aes-256-gcm:/);
    expect(stored.rows[0]?.secret).not.toContain(secret);
    const ping = await webhooks.testWebhook({ project, id: webhook!.id }, admin);
    expect(ping).toMatchObject({ success: true, httpStatus: 204, error: "" });
    const last = receiver.requests[receiver.requests.length - 1]!;
    expect(last.headers["guardian-webhook-event"]).toBe("ping");
    expect(last.headers["guardian-webhook-id"]).toBe(ping.eventId);
  });

  it.each([
    ["a host name that resolves to 127.0.0.1", "http://localhost:9/hook"],
    ["the metadata address", "http://169.254.169.254/latest/meta-data"],
    ["a private address", "http://10.0.0.7/hook"],
    ["IPv6 loopback", "http://[::1]:9/hook"],
    ["IPv4-mapped loopback", "http://[::ffff:127.0.0.1]:9/hook"],
    ["the unspecified address", "http://0.0.0.0:9/hook"],
    ["a decimal IPv4 form", "http://2130706433:9/hook"],
    ["a hex IPv4 form", "http://0x7f000001:9/hook"],
    ["a CGNAT address", "http://100.64.1.1/hook"],
  ])("refuses %s at registration, naming url", async (_what, url) => {
    const project = await newProject(h);
    const err = await failureOf(h.webhooksWith().createWebhook({ project, url }, admin));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(badFields(err)).toEqual(["url"]);
    const count = await h.pool.query("SELECT 1 FROM webhooks WHERE project = $1", [project]);
    expect(count.rowCount).toBe(0);
  });

  it("names every bad field of a create at once", async () => {
    const err = await failureOf(
      h.webhooksWith().createWebhook(
        {
          project: "Bad_Project",
          url: "ftp://example.com/",
          keyPrefix: "bad prefix",
          eventTypes: [WebhookEventType.CREATE, WebhookEventType.CREATE],
          secret: "short",
        },
        admin,
      ),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    expect(badFields(err).sort()).toEqual([
      "event_types",
      "key_prefix",
      "project",
      "secret",
      "url",
    ]);
    const creds = await failureOf(
      h
        .webhooksWith()
        .createWebhook({ project: "some-project", url: "https://u:p@example.com/" }, admin),
    );
    expect(badFields(creds)).toEqual(["url"]);
  });

  it("refuses a webhook past GUARDIAN_MAX_WEBHOOKS_PER_PROJECT, counting concurrent creations", async () => {
    const webhooks = h.webhooksWith({
      settings: { webhookAllowNetworks: ["127.0.0.0/8"], maxWebhooksPerProject: 3 },
    });
    const project = await newProject(h);
    const create = () => webhooks.createWebhook({ project, url: receiver.url }, admin);
    const results = await Promise.allSettled(Array.from({ length: 6 }, create));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    const refused = await failureOf(create());
    expect(refused.code).toBe(Code.ResourceExhausted);
    expect(refused.rawMessage).toContain("already has 3 webhooks");
    expect(refused.findDetails(LimitExceededSchema)[0]).toMatchObject({
      limit: "webhooks_per_project",
      max: 3n,
      actual: 4n,
    });
    // Another project is not affected, and deleting one makes room.
    await create().catch(() => undefined);
    const other = await newProject(h);
    await webhooks.createWebhook({ project: other, url: receiver.url }, admin);
    const { webhooks: listed } = await webhooks.listWebhooks({ project });
    expect(listed).toHaveLength(3);
    await webhooks.deleteWebhook({ project, id: listed[0]!.id }, admin);
    await create();
  });

  it("answers NotFound for an unknown project or webhook", async () => {
    const webhooks = h.webhooksWith({ settings: { webhookAllowNetworks: ["127.0.0.0/8"] } });
    const missing = "00000000-0000-4000-8000-000000000001";
    const noProject = await failureOf(
      webhooks.createWebhook({ project: "no-such-project", url: receiver.url }, admin),
    );
    expect(noProject.code).toBe(Code.NotFound);
    const project = await newProject(h);
    for (const call of [
      () => webhooks.getWebhook({ project, id: missing }),
      () => webhooks.deleteWebhook({ project, id: missing }, admin),
      () => webhooks.rotateWebhookSecret({ project, id: missing }, admin),
      () => webhooks.testWebhook({ project, id: missing }, admin),
      () => webhooks.listWebhookDeliveries({ project, webhookId: missing }),
      () =>
        webhooks.updateWebhook(
          { project, id: missing, updateMask: { paths: ["enabled"] }, enabled: true },
          admin,
        ),
    ]) {
      expect((await failureOf(call())).code).toBe(Code.NotFound);
    }
    expect((await failureOf(webhooks.getWebhook({ project, id: "nope" }))).code).toBe(
      Code.InvalidArgument,
    );
  });

  it("updates the masked fields, re-checks a new URL, disables and re-enables", async () => {
    const webhooks = h.webhooksWith({ settings: { webhookAllowNetworks: ["127.0.0.0/8"] } });
    const project = await newProject(h);
    const { webhook } = await webhooks.createWebhook({ project, url: receiver.url }, admin);
    const id = webhook!.id;
    const updated = await webhooks.updateWebhook(
      {
        project,
        id,
        updateMask: { paths: ["key_prefix", "event_types", "enabled"] },
        keyPrefix: "us/",
        eventTypes: [WebhookEventType.ROLLBACK],
        enabled: false,
        url: "ignored: not in the mask",
      },
      admin,
    );
    expect(updated.webhook).toMatchObject({
      url: receiver.url,
      keyPrefix: "us/",
      eventTypes: [WebhookEventType.ROLLBACK],
      enabled: false,
      disabledReason: "disabled by an admin",
    });
    const refused = await failureOf(
      h
        .webhooksWith()
        .updateWebhook(
          { project, id, updateMask: { paths: ["url"] }, url: "http://[::1]/x" },
          admin,
        ),
    );
    expect(badFields(refused)).toEqual(["url"]);
    await h.pool.query("UPDATE webhooks SET consecutive_failures = 7 WHERE id = $1", [id]);
    const enabled = await webhooks.updateWebhook(
      { project, id, updateMask: { paths: ["enabled"] }, enabled: true },
      admin,
    );
    expect(enabled.webhook).toMatchObject({
      enabled: true,
      disabledReason: "",
      consecutiveFailures: 0,
    });
    const badMask = await failureOf(
      webhooks.updateWebhook({ project, id, updateMask: { paths: ["secret"] } }, admin),
    );
    expect(badFields(badMask)).toEqual(["update_mask"]);
  });

  it("rotates the secret: the new one signs from then on", async () => {
    const webhooks = h.webhooksWith({ settings: { webhookAllowNetworks: ["127.0.0.0/8"] } });
    const project = await newProject(h);
    const created = await webhooks.createWebhook({ project, url: receiver.url }, admin);
    const rotated = await webhooks.rotateWebhookSecret({ project, id: created.webhook!.id }, admin);
    expect(rotated.secret).not.toBe(created.secret);
    const stored = await h.pool.query<{ secret: string }>(
      "SELECT secret FROM webhooks WHERE id = $1",
      [created.webhook!.id],
    );
    expect(stored.rows[0]?.secret).toBe(`plain:${rotated.secret}`);
  });

  it("lists webhooks in pages and deletes them", async () => {
    const webhooks = h.webhooksWith({ settings: { webhookAllowNetworks: ["127.0.0.0/8"] } });
    const project = await newProject(h);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { webhook } = await webhooks.createWebhook(
        { project, url: `${receiver.url}/${i}` },
        admin,
      );
      ids.push(webhook!.id);
    }
    const first = await webhooks.listWebhooks({ project, pageSize: 2 });
    expect(first.webhooks).toHaveLength(2);
    const second = await webhooks.listWebhooks({
      project,
      pageSize: 2,
      pageToken: first.nextPageToken,
    });
    expect(second.nextPageToken).toBe("");
    const listed = [...first.webhooks, ...second.webhooks].map((w) => w.id);
    expect(listed).toEqual([...ids].sort());
    const tampered = await failureOf(
      webhooks.listWebhooks({ project, pageSize: 2, pageToken: first.nextPageToken + "x" }),
    );
    expect(badFields(tampered)).toEqual(["page_token"]);
    await webhooks.deleteWebhook({ project, id: ids[0]! }, admin);
    expect((await failureOf(webhooks.getWebhook({ project, id: ids[0]! }))).code).toBe(
      Code.NotFound,
    );
    expect((await webhooks.listWebhooks({ project })).webhooks).toHaveLength(2);
  });

  it("reports a refused or failing ping in the response, not as an error", async () => {
    const webhooks = h.webhooksWith({ settings: { webhookAllowNetworks: ["127.0.0.0/8"] } });
    const project = await newProject(h);
    const { webhook } = await webhooks.createWebhook({ project, url: receiver.url }, admin);
    receiver.answer = (_req, res) => res.writeHead(500).end("no");
    try {
      const failed = await webhooks.testWebhook({ project, id: webhook!.id }, admin);
      expect(failed).toMatchObject({ success: false, httpStatus: 500, error: "HTTP 500" });
    } finally {
      receiver.answer = (_req, res) => res.writeHead(204).end();
    }
    // The same webhook seen by a deployment that does not allow loopback targets.
    const strict = await h.webhooksWith().testWebhook({ project, id: webhook!.id }, admin);
    expect(strict.success).toBe(false);
    expect(strict.httpStatus).toBe(0);
    expect(strict.error).toMatch(/127\.0\.0\.1 is not public/);
  });
});
