import * as http from "node:http";
import * as http2 from "node:http2";
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { LimitExceededSchema } from "@guardian/api";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../logging/logger.js";
import { closeAll, h1, healthClient, openHealthWatch, start } from "./server-testing.js";

afterEach(closeAll);

/** Opens a Connect Health Watch over HTTP/1.1, resolving once its first message arrived. */
function openH1Watch(url: string): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/grpc.health.v1.Health/Watch`, {
      method: "POST",
      headers: { "content-type": "application/connect+json", "content-length": "7" },
      agent: false,
    });
    req.on("error", reject);
    req.on("response", (res) => res.once("data", () => resolve(req)));
    req.end(Buffer.from([0, 0, 0, 0, 2, 0x7b, 0x7d]));
  });
}

async function codeOf(call: Promise<unknown>): Promise<Code | undefined> {
  try {
    await call;
    return undefined;
  } catch (err) {
    return (err as { code?: Code }).code;
  }
}

describe("createServer's limit on open calls", () => {
  it("refuses an RPC past maxOpenCalls with resource_exhausted, still serving health and metrics", async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      level: "warn",
      destination: { write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
    });
    const { url } = await start({ maxOpenCalls: 3, logger });
    const session = http2.connect(url);
    session.on("error", () => {});
    const streams = [await openHealthWatch(session), await openHealthWatch(session)];
    const h1Watch = await openH1Watch(url);
    const grpc = healthClient(createGrpcTransport({ baseUrl: url }));
    const connect = healthClient(createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
    // A fourth call of any kind, over any protocol, is refused and says why.
    for (const call of [grpc.check({}), connect.check({})]) {
      const err = await call.then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      expect(err?.code).toBe(Code.ResourceExhausted);
      expect(err?.rawMessage).toContain("3 calls open");
      expect(err?.findDetails(LimitExceededSchema)[0]).toMatchObject({
        limit: "open_calls",
        max: 3n,
      });
    }
    // A refused gRPC stream on the same connection leaves the others open.
    await expect(openHealthWatch(session)).rejects.toThrow(`grpc-status ${Code.ResourceExhausted}`);
    // Operators still see the process.
    expect((await h1(url, "/readyz")).status).toBe(200);
    expect((await h1(url, "/metrics")).status).toBe(200);
    expect(
      lines.filter(
        (l) => l.msg === "calls refused: the server has as many calls open as it allows",
      ),
    ).toHaveLength(1);
    // Once calls end, new ones are served again.
    streams[0]!.close();
    h1Watch.destroy();
    await sleep(100);
    expect(await codeOf(grpc.check({}))).toBeUndefined();
    expect(await codeOf(connect.check({}))).toBeUndefined();
    expect(streams[1]!.closed).toBe(false);
    session.close();
  });

  it("counts 1,200 streams of one connection against the limit, then frees them", async () => {
    const { url } = await start({ maxOpenCalls: 1_000 });
    const session = http2.connect(url, { settings: { enablePush: false } });
    session.on("error", () => {});
    const opened = await Promise.allSettled(
      Array.from({ length: 1_200 }, () => openHealthWatch(session)),
    );
    expect(opened.filter((o) => o.status === "fulfilled")).toHaveLength(1_000);
    session.destroy();
    await sleep(200);
    const grpc = healthClient(createGrpcTransport({ baseUrl: url }));
    expect(await codeOf(grpc.check({}))).toBeUndefined();
  });
});
