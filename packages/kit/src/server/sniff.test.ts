import { once } from "node:events";
import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { http2Preface, sniffProtocol } from "./sniff.js";
import type { SniffResult } from "./sniff.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanups.splice(0)) {
    fn();
  }
});

/** Opens a loopback connection and returns both ends. */
async function pair(): Promise<{ server: net.Socket; client: net.Socket }> {
  const listener = net.createServer();
  listener.listen(0, "127.0.0.1");
  await once(listener, "listening");
  const { port } = listener.address() as net.AddressInfo;
  const accepted = once(listener, "connection") as Promise<[net.Socket]>;
  const client = net.connect(port, "127.0.0.1");
  const [server] = await accepted;
  cleanups.push(() => {
    client.destroy();
    server.destroy();
    listener.close();
  });
  return { server, client };
}

async function writeSlowly(socket: net.Socket, bytes: Buffer): Promise<void> {
  for (const byte of bytes) {
    socket.write(Buffer.from([byte]));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

describe("sniffProtocol", () => {
  it("recognises the HTTP/2 preface even when it arrives one byte at a time", async () => {
    const { server, client } = await pair();
    const sniffed = sniffProtocol(server, 5000);
    await writeSlowly(client, http2Preface);
    const result = (await sniffed) as SniffResult;
    expect(result.protocol).toBe("h2");
    expect(result.head.equals(http2Preface)).toBe(true);
  });

  it("decides HTTP/1 as soon as the bytes leave the preface", async () => {
    const { server, client } = await pair();
    const sniffed = sniffProtocol(server, 5000);
    client.write("POST /grpc.health.v1.Health/Check HTTP/1.1\r\n");
    const result = (await sniffed) as SniffResult;
    expect(result.protocol).toBe("http1");
    expect(result.head.toString()).toMatch(/^POST/);
  });

  it("treats a method that merely starts like the preface as HTTP/1", async () => {
    const { server, client } = await pair();
    const sniffed = sniffProtocol(server, 5000);
    await writeSlowly(client, Buffer.from("PRIX"));
    expect((await sniffed)?.protocol).toBe("http1");
  });

  it("gives up and destroys the socket when the peer closes or stays silent", async () => {
    const closed = await pair();
    const sniffedClosed = sniffProtocol(closed.server, 5000);
    closed.client.end("PR");
    expect(await sniffedClosed).toBeUndefined();

    const silent = await pair();
    expect(await sniffProtocol(silent.server, 50)).toBeUndefined();
    expect(silent.server.destroyed).toBe(true);
  });
});
