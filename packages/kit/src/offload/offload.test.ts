import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import {
  Code,
  ConnectError,
  createClient,
  createConnectRouter,
  createContextValues,
  type ConnectRouter,
  type Transport,
} from "@connectrpc/connect";
import type { UniversalServerRequest } from "@connectrpc/connect/protocol";
import {
  compressionGzip,
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { SchemaService } from "@guardian/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../logging/logger.js";
import { closeAll, h1, start } from "../server/server-testing.js";
import { createRequestDecoder } from "./decoder.js";
import { withOffloadedDecode } from "./offload-handler.js";
import { isPredecoded, isTextChecked, jsonKindOf, jsonTextOfValue } from "./predecoded.js";

/**
 * A stand-in SchemaService that answers with what its handlers saw: each document's JSON,
 * its kind, and whether it was decoded off the event loop.
 */
function routes(router: ConnectRouter) {
  router.service(SchemaService, {
    validateDocument(req) {
      const doc = req.document!;
      return {
        valid: isPredecoded(doc),
        violations: [{ pointer: jsonTextOfValue(doc), message: String(jsonKindOf(doc)) }],
      };
    },
    dryRunSchemaVersion(req) {
      return {
        unchanged: req.content !== undefined && isTextChecked(req.content),
        warnings: [{ pointer: JSON.stringify(req.content ?? null) }],
      };
    },
  });
}

const big = { list: Array.from({ length: 2000 }, (_, i) => ({ id: i, name: `item ${i}` })) };
const small = { list: [1, 2, 3] };

const transports: [string, (url: string) => Transport][] = [
  [
    "Connect JSON over HTTP/1.1",
    (url) => createConnectTransport({ baseUrl: url, httpVersion: "1.1" }),
  ],
  [
    "Connect proto over h2, gzip",
    (url) =>
      createConnectTransport({
        baseUrl: url,
        httpVersion: "2",
        useBinaryFormat: true,
        sendCompression: compressionGzip,
        compressMinBytes: 1,
      }),
  ],
  ["gRPC", (url) => createGrpcTransport({ baseUrl: url })],
  [
    "gRPC, gzip",
    (url) =>
      createGrpcTransport({ baseUrl: url, sendCompression: compressionGzip, compressMinBytes: 1 }),
  ],
  ["gRPC-Web", (url) => createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1" })],
];

describe("request messages decoded off the event loop", () => {
  let url: string;
  let inline: string;

  beforeAll(async () => {
    const opts = { routes, maxRequestBytes: 4 * 1024 * 1024, offloadMinBytes: 8 * 1024 };
    url = (await start(opts)).url;
    // The same server with the thread never used: the answers to compare with.
    inline = (await start({ ...opts, offloadMinBytes: Number.POSITIVE_INFINITY })).url;
  });
  afterAll(closeAll);

  describe.each(transports)("%s", (name, transport) => {
    const client = (base: string) => createClient(SchemaService, transport(base));

    it("hands the handler a large or compressed document as JSON text, a small one as a Value", async () => {
      const large = await client(url).validateDocument({
        project: "p",
        document: fromJson(ValueSchema, big),
      });
      expect(large.valid).toBe(true);
      expect(JSON.parse(large.violations[0]!.pointer)).toEqual(big);
      expect(large.violations[0]!.message).toBe("structValue");
      const little = await client(url).validateDocument({
        project: "p",
        document: fromJson(ValueSchema, small),
      });
      // A compressed request always goes to the thread: its size says nothing.
      expect(little.valid).toBe(name.includes("gzip"));
      expect(JSON.parse(little.violations[0]!.pointer)).toEqual(small);
    });

    it("hands the handler a large Struct as a JSON object whose text was checked", async () => {
      const res = await client(url).dryRunSchemaVersion({ project: "p", content: big as never });
      expect(res.unchanged).toBe(true);
      expect(JSON.parse(res.warnings[0]!.pointer)).toEqual(big);
    });

    it("answers every kind of JSON value the same as without the thread", async () => {
      const docs: JsonValue[] = [
        "x".repeat(20_000),
        Array.from({ length: 3000 }, (_, i) => i * 1.5),
        [null, true, false, { a: [] }, ...Array.from({ length: 2000 }, () => "é😀")],
      ];
      for (const doc of docs) {
        const req = { project: "p", document: fromJson(ValueSchema, doc) };
        const off = await client(url).validateDocument(req);
        const on = await client(inline).validateDocument(req);
        expect(off.valid).toBe(true);
        expect(off.violations).toEqual(on.violations);
      }
    });

    it("refuses text PostgreSQL cannot store in a large document as without the thread", async () => {
      const bad = { ...big, ["bad\u0000key"]: "x", s: "lone \ud800" };
      const req = { project: "p", document: fromJson(ValueSchema, bad) };
      const errors = await Promise.all(
        [url, inline].map((base) =>
          client(base)
            .validateDocument(req)
            .then(
              () => undefined,
              (err: unknown) => ConnectError.from(err),
            ),
        ),
      );
      expect(errors[0]?.code).toBe(Code.InvalidArgument);
      expect(errors[0]?.rawMessage).toMatch(/^invalid document: /);
      expect(errors[0]?.rawMessage).toBe(errors[1]?.rawMessage);
    });
  });

  it("answers a large request that does not decode as it would without the thread", async () => {
    const body = JSON.stringify({ project: "p", document: big, version: "two" });
    const headers = { "content-type": "application/json" };
    const [off, on] = await Promise.all(
      [url, inline].map((base) =>
        h1(base, "/guardian.schema.v1.SchemaService/ValidateDocument", {
          method: "POST",
          headers,
          body,
        }),
      ),
    );
    expect(off!.status).toBe(400);
    expect(off!.body).toBe(on!.body);
    expect(JSON.parse(off!.body).message).toContain("version");
  });

  it("refuses a large request over the limit as without the thread", async () => {
    const { url: tight } = await start({
      routes,
      maxRequestBytes: 64 * 1024,
      offloadMinBytes: 1024,
    });
    const doc = Array.from({ length: 20_000 }, (_, i) => i);
    const err = await createClient(SchemaService, createGrpcTransport({ baseUrl: tight }))
      .validateDocument({ project: "p", document: fromJson(ValueSchema, doc) })
      .catch((e: unknown) => ConnectError.from(e));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.ResourceExhausted);
  });
});

describe("withOffloadedDecode", () => {
  it("hands Connect a body that failed while it was read, for Connect to answer as it would", async () => {
    const handler = createConnectRouter({ connect: true })
      .service(SchemaService, {
        validateDocument: () => ({ valid: true }),
      })
      .handlers.find((h) => h.method.name === "ValidateDocument")!;
    const decoder = createRequestDecoder({ logger: createLogger({ level: "silent" }) });
    const wrapped = withOffloadedDecode(handler, {
      decoder,
      readMaxBytes: 1 << 20,
      minBytes: 1024,
    });
    const request = (): UniversalServerRequest => ({
      httpVersion: "1.1",
      method: "POST",
      url: "http://127.0.0.1/guardian.schema.v1.SchemaService/ValidateDocument",
      header: new Headers({ "content-type": "application/json", "content-length": "100000" }),
      contextValues: createContextValues(),
      signal: new AbortController().signal,
      body: (async function* () {
        yield new TextEncoder().encode('{"project":"p","document":[');
        throw new Error("aborted: the client went away");
      })(),
    });
    try {
      const [off, on] = await Promise.all([wrapped(request()), handler(request())]);
      expect(off.status).toBe(on.status);
      expect(off.status).toBeGreaterThanOrEqual(400);
      const text = async (body: unknown) => {
        const parts: Uint8Array[] = [];
        for await (const chunk of body as AsyncIterable<Uint8Array>) parts.push(chunk);
        return Buffer.concat(parts).toString();
      };
      expect(await text(off.body)).toBe(await text(on.body));
    } finally {
      await decoder.close();
    }
  });
});

describe("createRequestDecoder", () => {
  const body = new TextEncoder().encode(JSON.stringify({ project: "p", document: small }));
  /** A small ValidateDocument request over Connect JSON. */
  const task = {
    protocol: "connect",
    binary: false,
    encoding: undefined,
    body,
    readMaxBytes: 1 << 20,
  } as const;
  const path = "guardian.schema.v1.SchemaService/ValidateDocument";

  it("starts its thread again after it was stopped", async () => {
    const decoder = createRequestDecoder({ logger: createLogger({ level: "silent" }) });
    expect((await decoder.decode(path, task))?.documents).toEqual([
      { field: 4, json: JSON.stringify(small) },
    ]);
    await decoder.close();
    expect((await decoder.decode(path, task))?.documents).toHaveLength(1);
    expect(await decoder.decode("no.such.Service/Method", task)).toBeUndefined();
    await decoder.close();
  });

  it("hands the thread at most maxQueuedBytes at once; the rest go to Connect as they are", async () => {
    const decoder = createRequestDecoder({
      logger: createLogger({ level: "silent" }),
      maxQueuedBytes: Math.floor(body.byteLength * 1.5),
    });
    try {
      const first = decoder.decode(path, task);
      // Would exceed the bound while the first is with the thread: not handed over.
      expect(await decoder.decode(path, task)).toBeUndefined();
      expect((await first)?.documents).toHaveLength(1);
      // Once the first is done, the thread takes the next.
      const results = await Promise.all([decoder.decode(path, task), decoder.decode(path, task)]);
      expect(results.map((r) => r?.documents.length)).toEqual([1, undefined]);
      expect((await decoder.decode(path, task))?.documents).toHaveLength(1);
    } finally {
      await decoder.close();
    }
  });
});
