import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { ConfigService, Health, HealthCheckResponse_ServingStatus } from "@guardian/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const loader = join(root, "node_modules/tsx/dist/loader.mjs");
const main = join(root, "packages/cli/src/main.ts");

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Starts `guardian dev` as a real process and waits for the URL it prints. */
async function startDev(dataDir: string): Promise<Running> {
  const child = spawn(process.execPath, ["--import", `file://${loader}`, main, "dev"], {
    env: {
      ...process.env,
      GUARDIAN_PORT: "0",
      GUARDIAN_DATA_DIR: dataDir,
      GUARDIAN_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed:\n${out}`)), 45_000);
    child.stdout!.on("data", () => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once("exit", (code) => reject(new Error(`guardian dev exited with ${code}:\n${out}`)));
  });
  return { child, url, output: () => out };
}

async function stop(r: Running): Promise<number | null> {
  if (r.child.exitCode !== null) return r.child.exitCode;
  const exited = new Promise<number | null>((resolve) =>
    r.child.once("exit", (code) => resolve(code)),
  );
  r.child.kill("SIGTERM");
  return exited;
}

describe("guardian dev (embedded mode)", () => {
  let dataDir: string;
  let first: Running;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "guardian-dev-"));
    first = await startDev(dataDir);
  }, 60_000);

  afterAll(async () => {
    if (first) await stop(first);
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

  it("answers Unimplemented for RPCs that have no handler yet", async () => {
    const client = createClient(ConfigService, createGrpcTransport({ baseUrl: first.url }));
    const err = await client
      .getProject({ project: "demo" })
      .catch((e: unknown) => ConnectError.from(e));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unimplemented);
  });

  it("keeps its data across a restart and does not show the password again", async () => {
    expect(await stop(first)).toBe(0);
    const second = await startDev(dataDir);
    try {
      expect(second.output()).toContain(
        'user "admin" with the password printed on the first start',
      );
      expect(second.output()).not.toMatch(/password "/);
    } finally {
      expect(await stop(second)).toBe(0);
    }
  }, 60_000);
});
