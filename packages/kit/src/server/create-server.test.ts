import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { HealthCheckResponse_ServingStatus as Status } from "@guardian/api";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../logging/logger.js";
import { closeAll, h1, h2, healthClient, start } from "./server-testing.js";

afterEach(closeAll);

describe("createServer", () => {
  it("answers grpc.health.v1.Health/Check over gRPC on h2c", async () => {
    const { url } = await start();
    const client = healthClient(createGrpcTransport({ baseUrl: url }));
    expect((await client.check({})).status).toBe(Status.SERVING);
    expect((await client.check({ service: "grpc.health.v1.Health" })).status).toBe(Status.SERVING);
    await expect(client.check({ service: "guardian.nope.v1.Nope" })).rejects.toMatchObject({
      code: Code.NotFound,
    });
  });

  it("answers Check over Connect JSON on HTTP/1.1, from a client and from a raw POST", async () => {
    const { url } = await start();
    const client = healthClient(
      createConnectTransport({ baseUrl: url, httpVersion: "1.1", useBinaryFormat: false }),
    );
    expect((await client.check({})).status).toBe(Status.SERVING);

    const raw = await h1(url, "/grpc.health.v1.Health/Check", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(raw.status).toBe(200);
    expect(JSON.parse(raw.body)).toEqual({ status: "SERVING" });
  });

  it("answers Check over gRPC-Web on HTTP/1.1", async () => {
    const { url } = await start();
    const client = healthClient(createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1" }));
    expect((await client.check({})).status).toBe(Status.SERVING);
  });

  it("echoes a sane x-request-id and hands it to interceptors, on HTTP/1.1 and h2", async () => {
    const { url, seenRequestIds } = await start();
    const rpc = { method: "POST", headers: { "content-type": "application/json" }, body: "{}" };

    const viaH1 = await h1(url, "/grpc.health.v1.Health/Check", {
      ...rpc,
      headers: { ...rpc.headers, "x-request-id": "trace-h1.abc:1" },
    });
    expect(viaH1.headers["x-request-id"]).toBe("trace-h1.abc:1");

    const viaH2 = await h2(
      url,
      {
        ":method": "POST",
        ":path": "/grpc.health.v1.Health/Check",
        "content-type": "application/json",
        "x-request-id": "trace-h2",
      },
      "{}",
    );
    expect(viaH2.status).toBe(200);
    expect(viaH2.headers["x-request-id"]).toBe("trace-h2");
    expect(seenRequestIds).toEqual(["trace-h1.abc:1", "trace-h2"]);

    let fromClient: string | null = null;
    await healthClient(createGrpcTransport({ baseUrl: url })).check(
      {},
      {
        headers: { "x-request-id": "grpc-client-id" },
        onHeader: (h) => (fromClient = h.get("x-request-id")),
      },
    );
    expect(fromClient).toBe("grpc-client-id");
  });

  it("generates a request id when none or an unsafe one is sent, on every kind of response", async () => {
    const { url, seenRequestIds } = await start();
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

    const ok = await h1(url, "/grpc.health.v1.Health/Check", {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "bad id with spaces" },
      body: "{}",
    });
    expect(ok.headers["x-request-id"]).toMatch(uuid);
    expect(seenRequestIds).toEqual([ok.headers["x-request-id"]]);

    const notFound = await h1(url, "/grpc.health.v1.Health/Check", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ service: "nope" }),
    });
    expect(notFound.status).toBe(404);
    expect(notFound.headers["x-request-id"]).toMatch(uuid);
    expect(notFound.headers["x-request-id"]).not.toBe(ok.headers["x-request-id"]);

    expect((await h1(url, "/healthz")).headers["x-request-id"]).toMatch(uuid);
    expect((await h1(url, "/no/such/path")).headers["x-request-id"]).toMatch(uuid);
    expect(
      (await h1(url, "/healthz", { headers: { "x-request-id": "x".repeat(129) } })).headers[
        "x-request-id"
      ],
    ).toMatch(uuid);

    const viaH2 = await h2(url, { ":method": "GET", ":path": "/healthz" });
    expect(viaH2.status).toBe(200);
    expect(viaH2.headers["x-request-id"]).toMatch(uuid);
  });

  it("serves /healthz and /readyz, and /readyz fails with 503 while a check fails", async () => {
    const { url, health } = await start();
    const live = await h1(url, "/healthz");
    expect(live.status).toBe(200);
    expect(live.body).toBe("ok\n");

    let dbUp = true;
    health.addReadinessCheck("database", async () => {
      if (!dbUp) {
        throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
      }
    });
    const ready = await h1(url, "/readyz");
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ ok: true, checks: [{ name: "database", ok: true }] });

    dbUp = false;
    const notReady = await h1(url, "/readyz");
    expect(notReady.status).toBe(503);
    expect(JSON.parse(notReady.body)).toEqual({
      ok: false,
      checks: [{ name: "database", ok: false, error: "connect ECONNREFUSED 127.0.0.1:5432" }],
    });
    expect((await h1(url, "/healthz")).status).toBe(200);
  });

  it("serves extra plain HTTP routes over HTTP/1.1 and h2, GET and HEAD only", async () => {
    const { url } = await start({
      httpRoutes: {
        "/.well-known/jwks.json": (_req, res) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end('{"keys":[]}');
        },
      },
    });
    const viaH1 = await h1(url, "/.well-known/jwks.json?x=1");
    expect(viaH1.status).toBe(200);
    expect(JSON.parse(viaH1.body)).toEqual({ keys: [] });
    const viaH2 = await h2(url, { ":method": "GET", ":path": "/.well-known/jwks.json" });
    expect(viaH2.body).toBe('{"keys":[]}');
    expect(viaH2.headers["x-request-id"]).toBeDefined();
    const post = await h1(url, "/.well-known/jwks.json", { method: "POST", body: "{}" });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe("GET, HEAD");
  });

  it("exposes RPC metrics in the Prometheus text format at /metrics", async () => {
    const { url } = await start();
    const client = healthClient(createGrpcTransport({ baseUrl: url }));
    await client.check({});
    await client.check({});
    await expect(client.check({ service: "nope" })).rejects.toThrow();

    const res = await h1(url, "/metrics");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    const labels = 'service="grpc.health.v1.Health",method="Check"';
    expect(res.body).toContain(`guardian_rpc_requests_total{${labels},code="ok"} 2`);
    expect(res.body).toContain(`guardian_rpc_requests_total{${labels},code="not_found"} 1`);
    expect(res.body).toContain(`guardian_rpc_duration_seconds_count{${labels}} 3`);
    expect(res.body).toContain(`guardian_rpc_in_flight{${labels}} 0`);
  });

  it("rejects request bodies above maxRequestBytes with resource_exhausted naming the limit", async () => {
    const { url } = await start({ maxRequestBytes: 1024 });
    const body = JSON.stringify({ service: "x".repeat(4000) });
    const raw = await h1(url, "/grpc.health.v1.Health/Check", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(body.length) },
      body,
    });
    expect(raw.status).toBe(429);
    const error = JSON.parse(raw.body) as { code: string; message: string };
    expect(error.code).toBe("resource_exhausted");
    expect(error.message).toContain("1024");

    const grpc = healthClient(createGrpcTransport({ baseUrl: url }));
    const err = await grpc.check({ service: "x".repeat(4000) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.ResourceExhausted);
    expect((await grpc.check({})).status).toBe(Status.SERVING);
  });
});

describe("createServer logging", () => {
  it("logs each RPC once with its request id and hides internal errors from clients", async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: "info",
      destination: { write: (l) => void lines.push(l) },
    });
    const { url } = await start({ logger });
    const client = healthClient(createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));

    const failed = await client
      .check({}, { headers: { "x-test-fail": "1", "x-request-id": "fail-1" } })
      .catch((e: unknown) => ConnectError.from(e));
    expect(failed).toBeInstanceOf(ConnectError);
    expect((failed as ConnectError).code).toBe(Code.Internal);
    expect((failed as ConnectError).rawMessage).toBe("internal error (request id fail-1)");
    await client.check({}, { headers: { "x-request-id": "ok-1" } });

    const rpcLogs = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((r) => typeof r.procedure === "string");
    expect(rpcLogs).toHaveLength(2);
    expect(rpcLogs[0]).toMatchObject({
      level: 50,
      reqId: "fail-1",
      procedure: "/grpc.health.v1.Health/Check",
      code: "internal",
      err: { message: "password authentication failed for user guardian" },
    });
    expect(rpcLogs[1]).toMatchObject({ level: 30, reqId: "ok-1", code: "ok", msg: "rpc finished" });
    expect(typeof rpcLogs[1]?.durationMs).toBe("number");
  });
});

describe("createServer robustness", () => {
  it("keeps serving after connections that send garbage, stall or reset mid-request", async () => {
    const { url, port } = await start();
    const send = (bytes: string | Buffer, thenDestroy: boolean): Promise<void> =>
      new Promise((resolve) => {
        const socket = net.connect(port, "127.0.0.1", () => {
          socket.write(bytes);
          if (thenDestroy) {
            socket.resetAndDestroy();
          } else {
            socket.end();
          }
        });
        socket.on("error", () => resolve());
        socket.on("close", () => resolve());
        socket.resume();
      });
    await send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12garbage", false);
    await send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", true);
    await send("NOT HTTP AT ALL\r\n\r\n", false);
    await send(
      "POST /grpc.health.v1.Health/Check HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{",
      true,
    );
    await send("PR", true);

    const client = healthClient(createGrpcTransport({ baseUrl: url }));
    expect((await client.check({})).status).toBe(Status.SERVING);
    expect((await h1(url, "/healthz")).status).toBe(200);
  });
});

describe("createServer and clients that go away", () => {
  it("logs a stream whose client left as canceled, not as an internal error", async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      level: "info",
      destination: { write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
    });
    const { url } = await start({ logger });
    // gRPC on h2: the session goes away while the request message is still being sent,
    // then after the stream's first message.
    for (const when of ["reading", "writing"] as const) {
      await new Promise<void>((resolve) => {
        const session = http2.connect(url);
        session.on("error", () => {});
        const stream = session.request({
          ":method": "POST",
          ":path": "/grpc.health.v1.Health/Watch",
          "content-type": "application/grpc",
          te: "trailers",
        });
        stream.on("error", () => {});
        const leave = () => setTimeout(() => (session.destroy(), resolve()), 50);
        if (when === "reading") {
          stream.write(Buffer.alloc(3));
          leave();
        } else {
          stream.once("data", leave);
          stream.end(Buffer.alloc(5));
        }
      });
    }
    // Connect on HTTP/1.1: the socket closes mid-request, then after the first message.
    for (const when of ["reading", "writing"] as const) {
      await new Promise<void>((resolve) => {
        const req = http.request(`${url}/grpc.health.v1.Health/Watch`, {
          method: "POST",
          headers: { "content-type": "application/connect+json", "content-length": "7" },
          agent: false,
        });
        req.on("error", () => {});
        const leave = () => setTimeout(() => (req.destroy(), resolve()), 50);
        if (when === "reading") {
          req.write(Buffer.from([0, 0, 0]));
          leave();
        } else {
          req.on("response", (res) => res.once("data", leave));
          req.end(Buffer.from([0, 0, 0, 0, 2, 0x7b, 0x7d]));
        }
      });
    }
    await sleep(300);
    const watches = lines.filter((l) => l.procedure === "/grpc.health.v1.Health/Watch");
    // Canceled, or Aborted when Node saw the connection reset: the client's doing, at info.
    expect(watches).toHaveLength(4);
    for (const line of watches) {
      expect(line.level).toBe(30);
      expect(["canceled", "aborted"]).toContain(line.code);
    }
  });
});
