import * as http2 from "node:http2";
import { setTimeout as sleep } from "node:timers/promises";
import { Code } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { startTcpProxy } from "@guardian/testkit";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { closeAll, healthClient, openHealthWatch, start } from "./server-testing.js";

afterEach(closeAll);

/** Opens a gRPC Health Watch over a new connection to `url`. */
function openWatch(url: string): Promise<http2.ClientHttp2Stream> {
  const session = http2.connect(url);
  session.on("error", () => {});
  onTestFinished(() => void session.destroy());
  return openHealthWatch(session);
}

async function checkCode(url: string): Promise<Code | undefined> {
  try {
    await healthClient(createGrpcTransport({ baseUrl: url })).check({});
    return undefined;
  } catch (err) {
    return (err as { code: Code }).code;
  }
}

describe("createServer's pings of client connections", () => {
  it("closes a connection whose client stopped answering, ending its streams", async () => {
    const { url } = await start({
      maxOpenCalls: 1,
      sessionPings: { intervalMs: 200, timeoutMs: 300 },
    });
    const proxy = await startTcpProxy(url);
    onTestFinished(() => proxy.close());
    await openWatch(proxy.url);
    expect(await checkCode(url)).toBe(Code.ResourceExhausted);
    // The client's host vanishes: its connection stays open, but nothing comes back.
    proxy.freeze();
    const began = performance.now();
    while ((await checkCode(url)) === Code.ResourceExhausted) {
      expect(performance.now() - began).toBeLessThan(3_000);
      await sleep(50);
    }
    expect(await checkCode(url)).toBeUndefined();
  });

  it("keeps the connection of a client that answers", async () => {
    const { url } = await start({ sessionPings: { intervalMs: 100, timeoutMs: 300 } });
    const watch = await openWatch(url);
    await sleep(1_000);
    expect(watch.closed).toBe(false);
    expect(watch.session?.destroyed).toBe(false);
  });
});
