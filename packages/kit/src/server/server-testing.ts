import * as http from "node:http";
import * as http2 from "node:http2";
import { setTimeout as sleep } from "node:timers/promises";
import { createClient } from "@connectrpc/connect";
import type { Client, Interceptor, Transport } from "@connectrpc/connect";
import { Health as HealthService } from "@guardian/api";
import { createHealth } from "../health/health.js";
import type { Health } from "../health/health.js";
import { createLogger, requestIdKey } from "../logging/logger.js";
import { createMetrics } from "../metrics/metrics.js";
import { createServer } from "./create-server.js";
import type { Server, ServerOptions } from "./create-server.js";

/** A server started for a test, with its health registry and the request ids handlers saw. */
export interface Started {
  server: Server;
  url: string;
  port: number;
  health: Health;
  seenRequestIds: string[];
}

const running: Server[] = [];

/** Closes every server started by {@link start}; call it from `afterEach`. */
export async function closeAll(): Promise<void> {
  await Promise.all(running.splice(0).map((s) => s.close()));
}

/**
 * Test-only interceptor: records the request id handlers see, fails like a broken handler when
 * asked by `x-test-fail`, delays a call when asked by `x-test-delay-ms`, and replaces a stream with one that ignores every signal when asked
 * by `x-test-hang`.
 */
export function testInterceptor(seen: string[]): Interceptor {
  return (next) => async (req) => {
    seen.push(req.contextValues.get(requestIdKey));
    if (req.header.has("x-test-fail")) {
      throw new Error("password authentication failed for user guardian");
    }
    const delay = Number(req.header.get("x-test-delay-ms") ?? "0");
    if (delay > 0) {
      await sleep(delay);
    }
    const res = await next(req);
    if (res.stream && req.header.has("x-test-hang")) {
      const first = await res.message[Symbol.asyncIterator]().next();
      return {
        ...res,
        message: (async function* () {
          yield first.value;
          await new Promise(() => {});
        })(),
      };
    }
    return res;
  };
}

/** Starts a server on a random loopback port with test defaults (1 KiB request limit). */
export async function start(opts: Partial<ServerOptions> = {}): Promise<Started> {
  const health = createHealth({ readinessTimeoutMs: 1000 });
  const seenRequestIds: string[] = [];
  const server = createServer({
    routes: () => {},
    logger: createLogger({ level: "silent" }),
    health,
    metrics: createMetrics({ defaultMetrics: false }),
    maxRequestBytes: 1024,
    shutdownTimeoutMs: 5000,
    interceptors: [testInterceptor(seenRequestIds)],
    ...opts,
  });
  running.push(server);
  const { url, port } = await server.listen();
  return { server, url, port, health, seenRequestIds };
}

/** Creates a Health client over a transport. */
export function healthClient(transport: Transport): Client<typeof HealthService> {
  return createClient(HealthService, transport);
}

/** A response read by {@link h1} or {@link h2}. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends one HTTP/1.1 request with node:http (no agent reuse) and collects the response. */
export function h1(
  url: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}${path}`,
      { method: init.method ?? "GET", headers: init.headers, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

/** Sends one request over a fresh h2c connection and collects the response. */
export function h2(
  url: string,
  headers: http2.OutgoingHttpHeaders,
  body?: string,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.on("error", reject);
    const stream = session.request(headers);
    let status = 0;
    let responseHeaders: RawResponse["headers"] = {};
    let text = "";
    stream.setEncoding("utf8");
    stream.on("response", (h) => {
      status = Number(h[":status"]);
      responseHeaders = h;
    });
    stream.on("data", (chunk: string) => (text += chunk));
    stream.on("end", () => {
      session.close();
      resolve({ status, headers: responseHeaders, body: text });
    });
    stream.on("error", reject);
    stream.end(body);
  });
}

/**
 * Opens a gRPC Health Watch on `session`: resolves once its first message arrived, rejects
 * with the grpc-status of an answer without messages (`grpc-status 8`).
 */
export function openHealthWatch(
  session: http2.ClientHttp2Session,
): Promise<http2.ClientHttp2Stream> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ":method": "POST",
      ":path": "/grpc.health.v1.Health/Watch",
      "content-type": "application/grpc",
      te: "trailers",
    });
    stream.on("error", reject);
    stream.once("data", () => resolve(stream));
    stream.once("response", (headers) => {
      const status = headers["grpc-status"];
      if (status !== undefined) reject(new Error(`grpc-status ${String(status)}`));
    });
    stream.once("close", () => reject(new Error("closed without a message")));
    stream.end(Buffer.alloc(5));
  });
}

/** A JSON message in a 5-byte envelope (as gRPC, gRPC-Web and Connect streams frame it). */
export function enveloped(json: string): Buffer {
  const message = Buffer.from(json);
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

/** One gRPC call with a JSON message over a fresh h2c connection: its status and message. */
export function grpcJson(
  url: string,
  path: string,
  json: string,
): Promise<{ status: string; message: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.on("error", reject);
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc+json",
      te: "trailers",
    });
    stream.on("trailers", (t) => {
      session.close();
      resolve({
        status: String(t["grpc-status"]),
        message: decodeURIComponent(String(t["grpc-message"] ?? "")),
      });
    });
    stream.resume();
    stream.on("error", reject);
    stream.end(enveloped(json));
  });
}
