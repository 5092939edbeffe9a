import * as http2 from "node:http2";
import { ConfigService, SchemaService } from "@guardian/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAll, enveloped, grpcJson, h1, start, type Started } from "./server-testing.js";

const createSchema = `/${SchemaService.typeName}/CreateSchema`;
const watch = `/${ConfigService.typeName}/Watch`;
const expected = "invalid content: must be a JSON object, not true";
const bad = JSON.stringify({ project: "p", name: "n", content: true });

describe("a JSON request whose field does not decode", () => {
  let s: Started;
  const served: string[] = [];
  beforeAll(async () => {
    s = await start({
      maxRequestBytes: 1 << 20,
      routes: (router) => {
        router.service(SchemaService, {
          createSchema: () => {
            served.push("createSchema");
            return {};
          },
        });
        router.service(ConfigService, {
          async *watch() {
            served.push("watch");
            await Promise.resolve();
            yield* [];
          },
        });
      },
    });
  });
  afterAll(closeAll);

  it("is answered over Connect with InvalidArgument naming the field, with a BadRequest detail", async () => {
    const res = await h1(s.url, createSchema, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: bad,
    });
    expect(res.status).toBe(400);
    const body = JSON.parse(res.body) as {
      code: string;
      message: string;
      details: { type: string }[];
    };
    expect(body.code).toBe("invalid_argument");
    expect(body.message).toBe(expected);
    expect(body.details.map((d) => d.type)).toEqual(["guardian.v1.BadRequest"]);
    // A request that decodes is served; one that is not JSON at all keeps Connect's words.
    const ok = await h1(s.url, createSchema, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ project: "p", name: "n", content: {} }),
    });
    expect(ok.status).toBe(200);
    const notJson = await h1(s.url, createSchema, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{",
    });
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body)).toMatchObject({ code: "invalid_argument" });
    expect(served).toEqual(["createSchema"]);
  });

  it("is answered the same for a large document, which goes to the decoding thread first", async () => {
    const content = Array.from({ length: 20_000 }, (_, i) => i);
    const res = await h1(s.url, createSchema, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ project: "p", name: "n", content }),
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({
      code: "invalid_argument",
      message:
        "invalid content: must be a JSON object, not [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,1…",
    });
  });

  it("is answered, never left unanswered, when the JSON is nested thousands deep", async () => {
    const deep = `${"[".repeat(5_000)}1${"]".repeat(5_000)}`;
    for (const body of [`{"project":"p","name":"n","content":${deep}}`, `{"project":${deep}}`]) {
      const res = await h1(s.url, createSchema, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ code: "invalid_argument" });
    }
  });

  it("is answered over gRPC and gRPC-Web with status 3 and the same message", async () => {
    expect(await grpcJson(s.url, createSchema, bad)).toEqual({ status: "3", message: expected });
    const web = await new Promise<Buffer>((resolve, reject) => {
      const session = http2.connect(s.url);
      const stream = session.request({
        ":method": "POST",
        ":path": createSchema,
        "content-type": "application/grpc-web+json",
      });
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        session.close();
        resolve(Buffer.concat(chunks));
      });
      stream.on("error", reject);
      stream.end(enveloped(bad));
    });
    // The trailers travel in the body, in a frame flagged 0x80.
    const trailer = web.subarray(web.indexOf(0x80) + 5).toString();
    expect(trailer).toContain("grpc-status: 3");
    expect(decodeURIComponent(/grpc-message: (.*)\r\n/.exec(trailer)![1]!)).toBe(expected);
  });

  it("is answered on a Connect server stream and over gRPC for a streaming method", async () => {
    const json = JSON.stringify({ project: "p", bookmarkInterval: "soon" });
    const message =
      'invalid bookmark_interval: must be a duration string in seconds, such as "1.5s", not "soon"';
    expect(await grpcJson(s.url, watch, json)).toEqual({ status: "3", message });
    const res = await h1(s.url, watch, {
      method: "POST",
      headers: { "content-type": "application/connect+json" },
      body: enveloped(json).toString("latin1"),
    });
    expect(res.status).toBe(200);
    const end = JSON.parse(res.body.slice(5)) as { error: { code: string; message: string } };
    expect(end.error).toMatchObject({ code: "invalid_argument", message });
    expect(served).not.toContain("watch");
  });
});
