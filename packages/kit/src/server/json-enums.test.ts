import { gzipSync } from "node:zlib";
import { SchemaService, WebhookService, WebhookEventType } from "@guardian/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAll, grpcJson, h1, start, type Started } from "./server-testing.js";

const createWebhook = `/${WebhookService.typeName}/CreateWebhook`;
const createSchema = `/${SchemaService.typeName}/CreateSchema`;
const dryRun = `/${SchemaService.typeName}/DryRunSchemaVersion`;
const eventNames =
  "WEBHOOK_EVENT_TYPE_UNSPECIFIED, WEBHOOK_EVENT_TYPE_CREATE, WEBHOOK_EVENT_TYPE_UPDATE, " +
  "WEBHOOK_EVENT_TYPE_DELETE, WEBHOOK_EVENT_TYPE_ROLLBACK";

describe("a JSON request naming an enum value its enum does not have", () => {
  let s: Started;
  const served: unknown[] = [];
  beforeAll(async () => {
    s = await start({
      maxRequestBytes: 1 << 20,
      routes: (router) => {
        router.service(WebhookService, {
          createWebhook: (req) => {
            served.push(req.eventTypes);
            return {};
          },
        });
        router.service(SchemaService, {
          createSchema: (req) => {
            served.push(req.formatMode);
            return {};
          },
          dryRunSchemaVersion: (req) => {
            served.push(req.formatMode);
            return {};
          },
        });
      },
    });
  });
  afterAll(closeAll);

  const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    h1(s.url, path, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: body as string,
    });

  it("is refused over Connect with InvalidArgument naming the element, not run as the default", async () => {
    served.length = 0;
    // The short names a reader might guess are not the enum's JSON names either.
    for (const eventTypes of [["WEBHOOK_EVENT_TYPE_UPDATE", "UPDTAE"], ["UPDATE"]]) {
      const res = await post(createWebhook, JSON.stringify({ project: "p", eventTypes }));
      expect(res.status).toBe(400);
      const body = JSON.parse(res.body) as { code: string; message: string };
      const at = eventTypes.length - 1;
      expect(body).toMatchObject({
        code: "invalid_argument",
        message: `invalid event_types[${at}]: must be one of ${eventNames}, not "${eventTypes[at]}"`,
      });
    }
    expect(served).toEqual([]);
  });

  it("serves known names, numbers and null as before", async () => {
    served.length = 0;
    const ok = await post(
      createWebhook,
      JSON.stringify({ project: "p", event_types: ["WEBHOOK_EVENT_TYPE_DELETE", 2] }),
    );
    expect(ok.status).toBe(200);
    const unset = await post(createSchema, JSON.stringify({ project: "p", formatMode: null }));
    expect(unset.status).toBe(200);
    expect(served).toEqual([[WebhookEventType.DELETE, WebhookEventType.UPDATE], 0]);
  });

  it("is refused when the body is compressed, over gRPC, in a Connect GET and on the decoding thread", async () => {
    served.length = 0;
    const typo = JSON.stringify({ project: "p", name: "n", formatMode: "ANNOTATE" });
    const gz = await post(createSchema, gzipSync(typo), { "content-encoding": "gzip" });
    expect(gz.status).toBe(400);
    expect(gz.body).toContain("invalid format_mode: must be one of FORMAT_MODE_UNSPECIFIED");
    expect(await grpcJson(s.url, createSchema, typo)).toEqual({
      status: "3",
      message:
        'invalid format_mode: must be one of FORMAT_MODE_UNSPECIFIED, FORMAT_MODE_ASSERT, FORMAT_MODE_ANNOTATE, not "ANNOTATE"',
    });
    for (const query of [
      `encoding=json&message=${encodeURIComponent(typo)}`,
      `encoding=json&base64=1&message=${Buffer.from(typo).toString("base64url")}`,
    ]) {
      const get = await h1(s.url, `${dryRun}?${query}`, {
        headers: { "connect-protocol-version": "1" },
      });
      expect(get.status).toBe(400);
      expect(JSON.parse(get.body)).toMatchObject({ code: "invalid_argument" });
    }
    // A document of 64 KiB is decoded on the decoding thread first.
    const large = JSON.stringify({
      project: "p",
      name: "n",
      content: { description: "x".repeat(64 * 1024) },
      formatMode: "ANNOTATE",
    });
    const offloaded = await post(createSchema, large);
    expect(offloaded.status).toBe(400);
    expect(served).toEqual([]);
    // The right name passes every way.
    const right = JSON.stringify({ project: "p", formatMode: "FORMAT_MODE_ANNOTATE" });
    expect((await post(createSchema, gzipSync(right), { "content-encoding": "gzip" })).status).toBe(
      200,
    );
    const get = await h1(s.url, `${dryRun}?encoding=json&message=${encodeURIComponent(right)}`);
    expect(get.status).toBe(200);
    expect(served).toEqual([2, 2]);
  });
});
