import * as http from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ConfigService } from "@guardian/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDev, stopGuardian, type RunningGuardian } from "@guardian/testkit";

describe("failed authentication in embedded mode", () => {
  let dir: string;
  let dev: RunningGuardian;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "guardian-authfail-"));
    dev = await startDev(join(dir, "data"), { GUARDIAN_AUTH_FAILURE_LIMIT: "5" });
  }, 60_000);

  afterAll(async () => {
    if (dev) await stopGuardian(dev);
    await rm(dir, { recursive: true, force: true });
  });

  it("answers a call without credentials before its 4 MiB body is sent, and keeps /healthz open", async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${dev.url}/guardian.config.v1.ConfigService/ListProjects`, {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": String(4 << 20) },
      });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body });
          req.destroy();
        });
      });
      req.on("error", reject);
      // Only the first KiB is ever sent: an answer can only come from the headers.
      req.write(Buffer.alloc(1024, 0x20));
    });
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ code: "unauthenticated" });
    expect((await fetch(`${dev.url}/healthz`)).status).toBe(200);
  });

  it("refuses an address with ResourceExhausted once its failures reach the limit", async () => {
    // The call above was the first failure of this address.
    const config = createClient(ConfigService, createGrpcTransport({ baseUrl: dev.url }));
    const codes: (Code | undefined)[] = [];
    for (let i = 0; i < 6; i++) {
      const key = `gdn_ak_${String(i).padStart(12, "0")}_${"x".repeat(43)}`;
      codes.push(
        await config.listProjects({}, { headers: { "x-api-key": key } }).then(
          () => undefined,
          (e: unknown) => ConnectError.from(e).code,
        ),
      );
    }
    expect(codes).toEqual([
      Code.Unauthenticated,
      Code.Unauthenticated,
      Code.Unauthenticated,
      Code.Unauthenticated,
      Code.ResourceExhausted,
      Code.ResourceExhausted,
    ]);
    expect((await fetch(`${dev.url}/healthz`)).status).toBe(200);
  });
});
