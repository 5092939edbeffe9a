import * as net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { HealthCheckResponse_ServingStatus as Status } from "@guardian/api";
import { afterEach, describe, expect, it } from "vitest";
import { closeAll, healthClient, start } from "./server-testing.js";

afterEach(closeAll);

describe("createServer close()", () => {
  it("ends open Watch streams with NOT_SERVING, then stops accepting connections", async () => {
    const { server, url, port } = await start();
    const watchers = [
      healthClient(createGrpcTransport({ baseUrl: url })),
      healthClient(createConnectTransport({ baseUrl: url, httpVersion: "1.1" })),
    ].map(async (client) => {
      const seen: Status[] = [];
      try {
        for await (const res of client.watch({})) {
          seen.push(res.status);
          if (seen.length === 1) {
            opened.push(true);
          }
        }
        return { seen, error: undefined };
      } catch (err) {
        return { seen, error: ConnectError.from(err) };
      }
    });
    const opened: boolean[] = [];
    while (opened.length < 2) {
      await sleep(10);
    }
    expect(server.shutdownSignal.aborted).toBe(false);

    await server.close();
    expect(server.shutdownSignal.aborted).toBe(true);
    for (const result of await Promise.all(watchers)) {
      expect(result.seen).toEqual([Status.SERVING, Status.NOT_SERVING]);
      expect(result.error?.code).toBe(Code.Unavailable);
    }
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.on("connect", () => resolve("connected"));
      socket.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
    });
    expect(refused).toBe("ECONNREFUSED");
  });

  it("lets an in-flight unary call finish and reports NOT_SERVING meanwhile", async () => {
    const { server, url, health, seenRequestIds } = await start();
    const client = healthClient(createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
    const slow = client.check({}, { headers: { "x-test-delay-ms": "300" } });
    while (seenRequestIds.length === 0) {
      await sleep(5);
    }
    const closed = server.close();
    expect(health.check("")).toBe(Status.NOT_SERVING);
    expect((await slow).status).toBe(Status.NOT_SERVING);
    await closed;
  });

  it("cuts streams that ignore the shutdown after shutdownTimeoutMs", async () => {
    const { server, url } = await start({ shutdownTimeoutMs: 200 });
    const client = healthClient(createGrpcTransport({ baseUrl: url }));
    const stream = client.watch({}, { headers: { "x-test-hang": "1" } });
    const it = stream[Symbol.asyncIterator]();
    expect((await it.next()).value?.status).toBe(Status.SERVING);
    const began = Date.now();
    await server.close();
    expect(Date.now() - began).toBeGreaterThanOrEqual(150);
    await expect(it.next()).rejects.toBeInstanceOf(ConnectError);
  });
});
