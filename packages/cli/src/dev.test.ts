import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import {
  AuthService,
  ConfigService,
  Health,
  HealthCheckResponse_ServingStatus,
} from "@guardian/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runGuardian, startDev, stopGuardian, type RunningGuardian } from "@guardian/testkit";

describe("guardian dev (embedded mode)", () => {
  let dataDir: string;
  let first: RunningGuardian;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "guardian-dev-"));
    first = await startDev(dataDir);
  }, 60_000);

  afterAll(async () => {
    if (first) await stopGuardian(first);
    await rm(dataDir, { recursive: true, force: true });
  });

  it("prints the URL in its first lines and a generated admin password once", () => {
    const lines = first.output().split("\n");
    expect(lines.slice(0, 3).some((l) => l.includes(first.url))).toBe(true);
    expect(first.output()).toMatch(/user "admin", password "[A-Za-z0-9_-]{24}" \(shown once/);
  });

  it("answers grpc.health.v1.Health/Check over gRPC (h2c), Connect JSON and gRPC-Web", async () => {
    const transports = [
      createGrpcTransport({ baseUrl: first.url }),
      createConnectTransport({ baseUrl: first.url, httpVersion: "1.1" }),
      createGrpcWebTransport({ baseUrl: first.url, httpVersion: "1.1" }),
    ];
    for (const transport of transports) {
      const health = createClient(Health, transport);
      expect((await health.check({})).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
      const svc = await health.check({ service: ConfigService.typeName });
      expect(svc.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    }
  });

  it("passes readiness with its embedded database", async () => {
    const res = await fetch(`${first.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, checks: [{ name: "database", ok: true }] });
  });

  it("refuses an RPC without credentials with Unauthenticated", async () => {
    const client = createClient(ConfigService, createGrpcTransport({ baseUrl: first.url }));
    const err = await client
      .getProject({ project: "demo" })
      .catch((e: unknown) => ConnectError.from(e));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unauthenticated);
  });

  it("passes a store error on to a gRPC client intact (NotFound, not a broken stream)", async () => {
    const transport = createGrpcTransport({ baseUrl: first.url });
    const password = /password "([^"]+)"/.exec(first.output())![1]!;
    const login = await createClient(AuthService, transport).login({ username: "admin", password });
    const headers = { authorization: `Bearer ${login.tokens!.accessToken}` };
    const config = createClient(ConfigService, transport);
    await config.createProject({ project: "errors" }, { headers });
    const err = await config
      .deleteConfig({ project: "errors", key: "missing" }, { headers })
      .catch((e: unknown) => ConnectError.from(e));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.NotFound);
  });

  it("refuses a second guardian dev on its data directory, naming the process that has it", async () => {
    const second = await runGuardian(["dev"], {
      GUARDIAN_DATA_DIR: dataDir,
      GUARDIAN_PORT: "0",
      GUARDIAN_LOG_LEVEL: "warn",
    });
    expect(second.code).toBe(1);
    expect(second.output).toContain(
      `guardian: the data directory ${dataDir} is in use by another guardian dev (process ${first.child.pid})`,
    );
    expect(second.output).not.toContain("listening on");
    // The first one is unharmed.
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
  }, 60_000);

  it("keeps its data across a restart and does not show the password again", async () => {
    expect(await stopGuardian(first)).toBe(0);
    const second = await startDev(dataDir);
    try {
      expect(second.output()).toContain(
        'user "admin" with the password printed on the first start',
      );
      expect(second.output()).not.toMatch(/password "/);
    } finally {
      expect(await stopGuardian(second)).toBe(0);
    }
  }, 60_000);
});
