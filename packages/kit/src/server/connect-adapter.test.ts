import * as http from "node:http";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, createConnectRouter } from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { afterEach, describe, expect, it } from "vitest";
import { createHealth } from "../health/health.js";
import { createLogger } from "../logging/logger.js";
import { createConnectAdapter } from "./connect-adapter.js";
import { closeAll, h1, h2, healthClient, start } from "./server-testing.js";
import { sameRoute } from "./wrap-handler.js";

afterEach(closeAll);

const servers: (http.Server | http2.Http2Server)[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

/** Serves the Health service with each handler replaced by `wrap(handler)`, on h1 and h2c. */
async function serveWrapped(
  wrap: (handler: UniversalHandler) => UniversalHandler,
  valuesOf = () => undefined as never,
): Promise<{ h1Url: string; h2Url: string; logs: Record<string, unknown>[] }> {
  const router = createConnectRouter();
  createHealth({ readinessTimeoutMs: 1000 }).routes(router);
  const logs: Record<string, unknown>[] = [];
  const adapter = createConnectAdapter({
    handlers: router.handlers.map(wrap),
    valuesOf,
    logger: createLogger({
      level: "debug",
      destination: { write: (l) => void logs.push(JSON.parse(l) as Record<string, unknown>) },
    }),
    readMaxBytes: 1024,
  });
  const one = http.createServer(adapter);
  const two = http2.createServer(adapter);
  servers.push(one, two);
  const urlOf = async (s: http.Server | http2.Http2Server) => {
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  };
  return { h1Url: await urlOf(one), h2Url: await urlOf(two), logs };
}

/** A Health client for each protocol (Connect over both HTTP versions, gRPC, gRPC-Web). */
function clients(h1Url: string, h2Url: string) {
  return {
    "Connect JSON, HTTP/1.1": healthClient(
      createConnectTransport({ baseUrl: h1Url, httpVersion: "1.1", useBinaryFormat: false }),
    ),
    "Connect binary, h2": healthClient(
      createConnectTransport({ baseUrl: h2Url, httpVersion: "2", useBinaryFormat: true }),
    ),
    gRPC: healthClient(createGrpcTransport({ baseUrl: h2Url })),
    "gRPC-Web, HTTP/1.1": healthClient(
      createGrpcWebTransport({ baseUrl: h1Url, httpVersion: "1.1" }),
    ),
  };
}

/** The first message of a server stream (Health/Watch), or its error. */
async function firstWatched(client: ReturnType<typeof healthClient>): Promise<unknown> {
  for await (const message of client.watch({}, { timeoutMs: 5000 })) return message;
  return undefined;
}

describe("createConnectAdapter", () => {
  it("answers Internal in every protocol when a handler's promise rejects", async () => {
    const { h1Url, h2Url, logs } = await serveWrapped((handler) =>
      sameRoute(handler, () => Promise.reject(new Error("wrapper broke"))),
    );
    for (const [name, client] of Object.entries(clients(h1Url, h2Url))) {
      const failed = { code: Code.Internal, rawMessage: "internal error" };
      await expect(client.check({}, { timeoutMs: 5000 }), name).rejects.toMatchObject(failed);
      await expect(firstWatched(client), name).rejects.toMatchObject(failed);
    }
    const errors = logs.filter((l) => l.level === 50);
    expect(errors).toHaveLength(8);
    expect(errors[0]).toMatchObject({ err: { message: "wrapper broke" } });
    expect(String(errors[0]?.msg)).toContain("/grpc.health.v1.Health/Check");
  });

  it("answers Internal when the call's values cannot be made (a synchronous throw)", async () => {
    const { h1Url, h2Url } = await serveWrapped(
      (handler) => handler,
      () => {
        throw new Error("no values");
      },
    );
    for (const [name, client] of Object.entries(clients(h1Url, h2Url))) {
      await expect(client.check({}, { timeoutMs: 5000 }), name).rejects.toMatchObject({
        code: Code.Internal,
      });
    }
  });

  it("resets a call whose answer fails after it began, instead of leaving it open", async () => {
    const { h1Url, h2Url } = await serveWrapped((handler) =>
      sameRoute(handler, async (req) => {
        const res = await handler(req);
        const body = res.body!;
        return {
          ...res,
          body: (async function* () {
            for await (const chunk of body) {
              yield chunk;
              throw new Error("body broke");
            }
          })(),
        };
      }),
    );
    // Each Watch sends its first message, then fails: the client sees an error, not a hang.
    for (const [name, client] of Object.entries(clients(h1Url, h2Url))) {
      const seen: unknown[] = [];
      const watching = (async () => {
        for await (const message of client.watch({}, { timeoutMs: 5000 })) seen.push(message);
      })();
      await expect(watching, name).rejects.toBeInstanceOf(ConnectError);
      await expect(watching, name).rejects.not.toMatchObject({ code: Code.DeadlineExceeded });
    }
  });

  it("answers 404 for a path no handler has", async () => {
    const { h1Url } = await serveWrapped((handler) => handler);
    expect((await h1(h1Url, "/nope.v1.Nope/Call", { method: "POST" })).status).toBe(404);
  });
});

describe("createServer and a request's authority", () => {
  it("refuses an RPC whose authority is not a host, and keeps serving", async () => {
    const { url } = await start();
    for (const authority of ["[::", "%", "host:99999", "host:port"]) {
      const grpc = await h2(
        url,
        {
          ":method": "POST",
          ":path": "/grpc.health.v1.Health/Check",
          ":authority": authority,
          "content-type": "application/grpc",
          te: "trailers",
        },
        "\0\0\0\0\0",
      );
      expect(grpc.headers["grpc-status"], authority).toBe(String(Code.InvalidArgument));
      expect(decodeURIComponent(String(grpc.headers["grpc-message"]))).toContain(
        `(the :authority or Host header) must be a host and an optional port, not ${JSON.stringify(authority)}`,
      );
      const connect = await h1(url, "/grpc.health.v1.Health/Check", {
        method: "POST",
        headers: { host: authority, "content-type": "application/json" },
        body: "{}",
      });
      expect(connect.status, authority).toBe(400);
      expect(JSON.parse(connect.body)).toMatchObject({ code: "invalid_argument" });
    }
    // Plain routes do not build a URL from it; the server is still up.
    const ready = await h1(url, "/readyz", { headers: { host: "%" } });
    expect(ready.status).toBe(200);
    const client = healthClient(createGrpcTransport({ baseUrl: url }));
    expect((await client.check({})).status).toBe(1);
  });

  it("answers a request whose routing throws with Internal, and keeps serving", async () => {
    const { url } = await start({
      site: () => {
        throw new Error("site broke");
      },
    });
    const res = await h1(url, "/index.html");
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body)).toMatchObject({ code: "internal" });
    expect(String(JSON.parse(res.body).message)).toMatch(/^internal error \(request id .+\)$/);
    const client = healthClient(createGrpcTransport({ baseUrl: url }));
    expect((await client.check({})).status).toBe(1);
  });
});
