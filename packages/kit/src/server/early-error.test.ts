import * as net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { closeAll, h1, h2, start } from "./server-testing.js";

afterEach(closeAll);

/**
 * Sends an HTTP/1.1 request in two writes, the body `delayMs` after the headers, and only
 * then reads what the server sent until it closed the connection, the way a client that
 * finishes sending before it reads the answer does.
 */
function slowBody(port: number, path: string, body: string, delayMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let answer = "";
    socket.setEncoding("utf8");
    socket.pause();
    socket.on("data", (chunk: string) => (answer += chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(answer));
    socket.write(
      `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n\r\n`,
    );
    void (async () => {
      await sleep(delayMs);
      socket.write(body);
      await sleep(100);
      socket.resume();
    })();
  });
}

describe("an HTTP/1.1 call refused before its body is read", () => {
  for (const mode of ["synchronous", "asynchronous"] as const) {
    it(`gets its answer (${mode} refusal), not a reset, when the body arrives after the headers`, async () => {
      const refused = new ConnectError("missing credentials", Code.Unauthenticated);
      const { port } = await start({
        maxRequestBytes: 4 * 1024 * 1024,
        admit: () => (mode === "synchronous" ? refused : Promise.resolve(refused)),
      });
      const answer = await slowBody(port, "/grpc.health.v1.Health/Check", "{}", 200);
      expect(answer).toMatch(/^HTTP\/1\.1 401 /);
      expect(answer).toMatch(/connection: close/i);
      // A body larger than the socket buffers is still being sent when the answer is ready.
      const large = JSON.stringify({ service: "x".repeat(2 * 1024 * 1024) });
      const after = await slowBody(port, "/grpc.health.v1.Health/Check", large, 0);
      expect(after).toMatch(/^HTTP\/1\.1 401 /);
      expect(answer).toMatch(/connection: close/i);
      expect(answer).toContain('"code":"unauthenticated"');
    });
  }
});

describe("a refusal whose metadata Node cannot send", () => {
  it("is answered without the metadata, on HTTP/1.1 and h2", async () => {
    // WHATWG Headers take control characters that Node refuses in a header value.
    const refused = new ConnectError("refused", Code.PermissionDenied, { "x-odd": "a\u0001b" });
    const { url } = await start({ admit: () => refused });
    const viaH1 = await h1(url, "/grpc.health.v1.Health/Check", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(viaH1.status).toBe(403);
    expect(JSON.parse(viaH1.body)).toEqual({ code: "permission_denied", message: "refused" });
    const viaH2 = await h2(
      url,
      {
        ":method": "POST",
        ":path": "/grpc.health.v1.Health/Check",
        "content-type": "application/grpc",
      },
      "\0\0\0\0\0",
    );
    expect(viaH2.headers["grpc-status"]).toBe(String(Code.PermissionDenied));
    expect(viaH2.headers["x-odd"]).toBeUndefined();
  });
});
