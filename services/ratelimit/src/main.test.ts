import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  freePort,
  makeTempDir,
  removeTempDir,
  spawnProcess,
  waitFor,
  type ManagedProcess,
} from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  RateLimitResponse_Code,
  RateLimitService,
} from "./gen/envoy/service/ratelimit/v3/rls_pb.js";
import { createConfigMapDir } from "./testing/configmap-dir.js";

// Node with tsx's loader, not the tsx command: that one relays a signal to its child and, when
// the child does not confirm it within 30 ms (a busy machine), kills it and exits 143.
const loader = new URL("../../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;
const main = fileURLToPath(new URL("./main.ts", import.meta.url));

let dir: string;

beforeAll(async () => {
  dir = await makeTempDir("ratelimit-main");
});

afterAll(async () => {
  await removeTempDir(dir);
});

function start(env: Record<string, string>, name: string): ManagedProcess {
  return spawnProcess({
    name,
    command: process.execPath,
    args: ["--import", loader, main],
    logFile: join(dir, `${name}.log`),
    env: { PATH: process.env["PATH"], ...env },
  });
}

describe("guardian-ratelimit", () => {
  it("serves ShouldRateLimit with the limits file and exits 0 on SIGTERM", async () => {
    const config = join(dir, "limits.yaml");
    await writeFile(
      config,
      "domain: guardian\ndescriptors:\n  - key: user\n    rate_limit: { unit: minute, requests_per_unit: 1 }\n",
    );
    const port = await freePort();
    const proc = start(
      {
        GUARDIAN_RATELIMIT_PORT: String(port),
        REDIS_URL: inject("redis").url,
        GUARDIAN_RATELIMIT_CONFIG: config,
        GUARDIAN_RATELIMIT_KEY_PREFIX: `main-${port}:`,
        GUARDIAN_RATELIMIT_FAILURE_MODE: "closed",
      },
      "serve",
    );
    try {
      const client = createClient(
        RateLimitService,
        createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }),
      );
      const ask = (value = "main-test") =>
        client.shouldRateLimit({
          domain: "guardian",
          descriptors: [{ entries: [{ key: "user", value }] }],
        });
      // Probe with another user: a retried probe may have been counted before it failed.
      await waitFor(() => ask(`probe-${Date.now()}`), {
        what: "guardian-ratelimit to answer",
        timeoutMs: 20_000,
        details: () => proc.logTail(),
      });
      const first = await ask();
      expect(first.overallCode).toBe(RateLimitResponse_Code.OK);
      expect((await ask()).overallCode).toBe(RateLimitResponse_Code.OVER_LIMIT);
    } finally {
      const exit = await proc.stop({ timeoutMs: 10_000 });
      expect(exit.code, proc.logTail()).toBe(0);
    }
  });

  it("reloads a ConfigMap-mounted limits file and keeps its limits while a new one is invalid", async () => {
    const limits = (extra: string) =>
      `domain: guardian\ndescriptors:\n  - key: user\n    rate_limit: { unit: minute, requests_per_unit: 1 }\n${extra}`;
    const cm = await createConfigMapDir(join(dir, "configmap"), { "limits.yaml": limits("") });
    const port = await freePort();
    const proc = start(
      {
        GUARDIAN_RATELIMIT_PORT: String(port),
        REDIS_URL: inject("redis").url,
        GUARDIAN_RATELIMIT_CONFIG: join(cm.dir, "limits.yaml"),
        GUARDIAN_RATELIMIT_KEY_PREFIX: `main-${port}:`,
      },
      "reload",
    );
    try {
      const client = createClient(
        RateLimitService,
        createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }),
      );
      let probe = 0;
      const apiKeyLimit = async () =>
        (
          await client.shouldRateLimit({
            domain: "guardian",
            descriptors: [{ entries: [{ key: "api_key", value: `probe-${probe++}` }] }],
          })
        ).statuses[0]?.currentLimit?.requestsPerUnit;
      await waitFor(async () => ((await apiKeyLimit()) === undefined ? true : undefined), {
        what: "guardian-ratelimit to answer",
        timeoutMs: 20_000,
        details: () => proc.logTail(),
      });
      await cm.update({
        "limits.yaml": limits(
          "  - key: api_key\n    rate_limit: { unit: minute, requests_per_unit: 7 }\n",
        ),
      });
      await waitFor(async () => ((await apiKeyLimit()) === 7 ? true : undefined), {
        what: "the updated ConfigMap to be served",
        timeoutMs: 30_000,
        details: () => proc.logTail(),
      });

      await cm.update({ "limits.yaml": limits("  - key: api_key\n    rate: 7\n") });
      await waitFor(
        async () => (/rate limit config rejected/.test(proc.logTail()) ? true : undefined),
        {
          what: "the invalid file to be logged",
          timeoutMs: 30_000,
          details: () => proc.logTail(),
        },
      );
      expect(proc.logTail()).toMatch(/descriptors\[1\]\.rate: unknown field/);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain("guardian_ratelimit_config_valid 0");
      expect(await apiKeyLimit()).toBe(7);
    } finally {
      const exit = await proc.stop({ timeoutMs: 10_000 });
      expect(exit.code, proc.logTail()).toBe(0);
    }
  });

  it("exits 2 naming every bad variable and every problem of the limits file", async () => {
    const bad = start({ GUARDIAN_RATELIMIT_FAILURE_MODE: "sometimes" }, "bad-env");
    expect((await bad.exit).code).toBe(2);
    expect(bad.logTail()).toMatch(/REDIS_URL: required but not set/);
    expect(bad.logTail()).toMatch(/GUARDIAN_RATELIMIT_FAILURE_MODE: expected one of open, closed/);

    const config = join(dir, "bad.yaml");
    await writeFile(config, "domain: guardian\ndescriptors:\n  - key: user\n    rate: 5\n");
    const badFile = start(
      { REDIS_URL: inject("redis").url, GUARDIAN_RATELIMIT_CONFIG: config },
      "bad-file",
    );
    expect((await badFile.exit).code).toBe(2);
    expect(badFile.logTail()).toMatch(/descriptors\[0\]\.rate: unknown field/);
  });
});
