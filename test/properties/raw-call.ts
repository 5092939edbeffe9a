import * as http from "node:http";
import * as http2 from "node:http2";
import type { DescMethod } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";

/** How a request body travels: the Connect protocol (JSON or binary) or gRPC over h2c. */
export type Wire = "connect+json" | "connect+proto" | "grpc+proto";

/** What the server answered: "ok" when it accepted the call, else the error code's name. */
export interface RawAnswer {
  code: "ok" | "hang" | keyof typeof Code;
  message: string;
}

/** A body for {@link rawCall}: the message bytes, or a whole pre-framed body. */
export type RawBody = { message: Uint8Array } | { framed: Uint8Array };

const codeNames = new Map<string, keyof typeof Code>(
  Object.keys(Code)
    .filter((k) => Number.isNaN(Number(k)))
    .map((k): [string, keyof typeof Code] => [
      k.replace(/[A-Z]/g, (c, i: number) => (i ? "_" : "") + c.toLowerCase()),
      k as keyof typeof Code,
    ]),
);

function codeOf(name: unknown): keyof typeof Code {
  return codeNames.get(String(name)) ?? "Unknown";
}

/** Frames one message in a Connect or gRPC envelope (flags 0). */
export function frame(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + bytes.byteLength);
  new DataView(out.buffer).setUint32(1, bytes.byteLength);
  out.set(bytes, 5);
  return out;
}

function bodyOf(body: RawBody, enveloped: boolean): Uint8Array {
  if ("framed" in body) return body.framed;
  return enveloped ? frame(body.message) : body.message;
}

/** Reads an answer to a Connect unary or streaming call from its status and body. */
function readConnect(status: number, bytes: Uint8Array, streaming: boolean): RawAnswer {
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  if (!streaming || status !== 200) {
    if (status === 200) return { code: "ok", message: "" };
    try {
      const e = JSON.parse(text(bytes)) as { code?: string; message?: string };
      return { code: codeOf(e.code), message: e.message ?? "" };
    } catch {
      return { code: "Unknown", message: `HTTP ${status}: ${text(bytes).slice(0, 200)}` };
    }
  }
  // The first frame decides: a message means the call got in, an end message carries the error.
  if (bytes.byteLength < 5) return { code: "Unknown", message: "a stream without an end message" };
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(1);
  if ((bytes[0]! & 0x02) === 0) return { code: "ok", message: "a stream message" };
  const end = JSON.parse(text(bytes.subarray(5, 5 + length))) as {
    error?: { code?: string; message?: string };
  };
  if (!end.error) return { code: "ok", message: "end of stream" };
  return { code: codeOf(end.error.code), message: end.error.message ?? "" };
}

/**
 * Sends a Connect call over HTTP/1.1 with node:http, which (unlike fetch) reads an answer the
 * server gives before the whole body was sent, as a server refusing an oversized body does.
 */
function connectCall(
  url: string,
  method: DescMethod,
  wire: Wire,
  body: RawBody,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<RawAnswer> {
  const streaming = method.methodKind !== "unary";
  const codec = wire === "connect+json" ? "json" : "proto";
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/${method.parent.typeName}/${method.name}`,
      {
        method: "POST",
        agent: false,
        signal,
        headers: {
          "content-type": streaming ? `application/connect+${codec}` : `application/${codec}`,
          "connect-protocol-version": "1",
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        const done = () => {
          res.destroy();
          const bytes = Buffer.concat(chunks);
          resolve(readConnect(res.statusCode ?? 0, bytes, streaming));
        };
        res.on("data", (c: Buffer) => {
          chunks.push(c);
          // A stream that got in sends a first message: stop at the first whole frame.
          const got = Buffer.concat(chunks);
          if (streaming && res.statusCode === 200 && got.byteLength >= 5) {
            if (got.byteLength >= 5 + got.readUInt32BE(1)) done();
          }
        });
        res.on("end", done);
        res.on("error", reject);
      },
    );
    // Once the answer is in, a write the server no longer reads may fail: that is fine.
    req.on("error", (err) => (req.writableEnded ? undefined : reject(err)));
    req.end(bodyOf(body, streaming));
  });
}

/**
 * Sends a Connect call over h2c. A server that refuses a body before reading all of it
 * answers and then resets the stream; the answer read before the reset is the outcome.
 */
function connectCallH2(
  url: string,
  method: DescMethod,
  wire: Wire,
  body: RawBody,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<RawAnswer> {
  const streaming = method.methodKind !== "unary";
  const codec = wire === "connect+json" ? "json" : "proto";
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    let status = 0;
    const chunks: Buffer[] = [];
    const done = () => {
      session.destroy();
      resolve(readConnect(status, Buffer.concat(chunks), streaming));
    };
    session.on("error", (err) => (status ? done() : reject(err)));
    signal.addEventListener("abort", () => reject(new Error("aborted")));
    const stream = session.request({
      ":method": "POST",
      ":path": `/${method.parent.typeName}/${method.name}`,
      "content-type": streaming ? `application/connect+${codec}` : `application/${codec}`,
      "connect-protocol-version": "1",
      ...headers,
    });
    stream.on("response", (h) => (status = Number(h[":status"])));
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", done);
    stream.on("error", (err) => (status ? done() : reject(err)));
    stream.end(bodyOf(body, streaming));
  });
}

function grpcCall(
  url: string,
  method: DescMethod,
  body: RawBody,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    const done = (a: RawAnswer) => {
      session.destroy();
      resolve(a);
    };
    session.on("error", reject);
    signal.addEventListener("abort", () => done({ code: "hang", message: "no answer" }));
    const stream = session.request({
      ":method": "POST",
      ":path": `/${method.parent.typeName}/${method.name}`,
      "content-type": "application/grpc+proto",
      te: "trailers",
      ...headers,
    });
    const status = (h: http2.IncomingHttpHeaders) => {
      const s = h["grpc-status"];
      if (s === undefined) return;
      const n = Number(s);
      const message = decodeURIComponent(String(h["grpc-message"] ?? ""));
      done({ code: n === 0 ? "ok" : ((Code[n] as keyof typeof Code) ?? "Unknown"), message });
    };
    stream.on("response", status);
    stream.on("trailers", status);
    // Any message back means the call got in.
    stream.on("data", () => done({ code: "ok", message: "a message" }));
    stream.on("error", reject);
    stream.on("close", () => done({ code: "Unknown", message: "closed without a status" }));
    stream.end(bodyOf(body, true));
  });
}

/**
 * Sends one raw request body to an RPC and reports the code of the answer. A call that gives
 * no answer within `timeoutMs` (20 s) is reported as "hang". Connect calls go over HTTP/1.1,
 * or h2c with `h2`.
 */
export async function rawCall(
  url: string,
  method: DescMethod,
  wire: Wire,
  body: RawBody,
  headers: Record<string, string>,
  opts: { timeoutMs?: number; h2?: boolean } = {},
): Promise<RawAnswer> {
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 20_000);
  try {
    if (wire === "grpc+proto") return await grpcCall(url, method, body, headers, signal);
    if (opts.h2) return await connectCallH2(url, method, wire, body, headers, signal);
    return await connectCall(url, method, wire, body, headers, signal);
  } catch (err) {
    if (signal.aborted) return { code: "hang", message: "no answer" };
    return { code: "Unknown", message: `transport failure: ${String(err)}` };
  }
}
