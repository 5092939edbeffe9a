import * as http from "node:http";
import * as http2 from "node:http2";

/** One HTTP answer as the wire carried it (date and request id left out). */
export interface Exchange {
  status: number;
  headers: Record<string, string>;
  trailers: Record<string, string>;
  body: Buffer;
}

/** What {@link exchange} sends. */
export interface ExchangeInit {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Send over a fresh h2c connection instead of HTTP/1.1. */
  h2?: boolean;
}

const volatile = new Set(["date", "x-request-id", "connection", "keep-alive"]);

function flat(h: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(h)
      .filter(([k]) => !k.startsWith(":") && !volatile.has(k))
      .map(([k, v]) => [k, String(v)]),
  );
}

/** Sends one request and collects status, headers, trailers and body bytes. */
export function exchange(url: string, path: string, init: ExchangeInit): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    if (init.h2) {
      const session = http2.connect(url);
      session.on("error", reject);
      const stream = session.request({
        ":method": init.method ?? "POST",
        ":path": path,
        ...init.headers,
      });
      let status = 0;
      let headers: Record<string, string> = {};
      let trailers: Record<string, string> = {};
      stream.on("response", (h) => {
        status = Number(h[":status"]);
        headers = flat(h);
      });
      stream.on("trailers", (t) => (trailers = flat(t)));
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        session.close();
        resolve({ status, headers, trailers, body: Buffer.concat(chunks) });
      });
      stream.on("error", reject);
      stream.end(init.body);
      return;
    }
    const req = http.request(
      `${url}${path}`,
      { method: init.method ?? "POST", headers: init.headers, agent: false },
      (res) => {
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: flat(res.headers),
            trailers: {},
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

/** Frames one message in a gRPC envelope. */
export function envelope(bytes: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + bytes.byteLength);
  out.writeUInt32BE(bytes.byteLength, 1);
  out.set(bytes, 5);
  return out;
}
