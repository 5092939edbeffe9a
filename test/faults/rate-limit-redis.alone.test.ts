import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { RateLimitResponse_Code as RlsCode, RateLimitService } from "@guardian/ratelimit-service";
import {
  freePort,
  makeTempDir,
  removeTempDir,
  spawnProcess,
  startRedis,
  startTcpProxy,
  waitFor,
  type ManagedProcess,
  type RedisServer,
  type TcpProxy,
} from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The rate limit service as deployed: its own process (guardian-ratelimit) in each failure
// mode, on a Redis reached through a proxy the test cuts, then on a Redis that is stopped
// and started again. The answers' details in each mode (statuses, shadow limits, the retry
// hint) are checked in process by services/ratelimit/src/rls/service.test.ts.
const root = fileURLToPath(new URL("../..", import.meta.url));
const tsx = join(root, "node_modules/.bin/tsx");
const main = join(root, "services/ratelimit/src/main.ts");

type Mode = "open" | "closed";
let dir: string;
let redis: RedisServer;
let link: TcpProxy;
const procs: ManagedProcess[] = [];
const clients = {} as Record<Mode, Client<typeof RateLimitService>>;
let n = 0;

/** One call for a user never seen before: OK and 2 left while Redis counts (limit 3). */
async function ask(mode: Mode) {
  const res = await clients[mode].shouldRateLimit({
    domain: "guardian",
    descriptors: [{ entries: [{ key: "user", value: `u${n++}` }] }],
  });
  return {
    code: res.overallCode,
    remaining: res.statuses[0]?.limitRemaining,
    retryAfter: res.responseHeadersToAdd.find((h) => h.key === "retry-after")?.value,
  };
}

const counting = { code: RlsCode.OK, remaining: 2, retryAfter: undefined };
const lost: Record<Mode, Awaited<ReturnType<typeof ask>>> = {
  open: { code: RlsCode.OK, remaining: 0, retryAfter: undefined },
  closed: { code: RlsCode.OVER_LIMIT, remaining: 0, retryAfter: "1" },
};

/** Waits until both processes count in Redis again. */
async function bothCounting() {
  for (const mode of ["open", "closed"] as const) {
    await waitFor(
      async () =>
        ((await ask(mode)).code === RlsCode.OK && (await ask(mode)).remaining === 2) || undefined,
      { what: `the ${mode} service to count in Redis`, timeoutMs: 30_000 },
    );
    expect(await ask(mode)).toEqual(counting);
  }
}

beforeAll(async () => {
  dir = await makeTempDir("faults-ratelimit");
  redis = await startRedis();
  link = await startTcpProxy(redis.url);
  const limits = join(dir, "limits.yaml");
  await writeFile(
    limits,
    "domain: guardian\ndescriptors:\n  - key: user\n    rate_limit: { unit: minute, requests_per_unit: 3 }\n",
  );
  for (const mode of ["open", "closed"] as const) {
    const port = await freePort();
    procs.push(
      spawnProcess({
        name: `ratelimit-${mode}`,
        command: tsx,
        args: [main],
        logFile: join(dir, `${mode}.log`),
        env: {
          PATH: process.env["PATH"],
          GUARDIAN_RATELIMIT_PORT: String(port),
          REDIS_URL: link.url,
          GUARDIAN_RATELIMIT_CONFIG: limits,
          GUARDIAN_RATELIMIT_FAILURE_MODE: mode,
        },
      }),
    );
    clients[mode] = createClient(
      RateLimitService,
      createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }),
    );
  }
  await bothCounting();
}, 60_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop({ timeoutMs: 10_000 })));
  await link?.close();
  await redis?.stop();
  if (dir) await removeTempDir(dir);
});

describe("Redis down: the rate limit service follows its failure mode", () => {
  it("while Redis is cut off, open lets calls pass and closed refuses them; both count again after", async () => {
    link.cut();
    for (const mode of ["open", "closed"] as const) {
      expect(await ask(mode)).toEqual(lost[mode]);
    }
    link.restore();
    await bothCounting();
  });

  it("while Redis is stopped, the same; both count again once it is started on its port", async () => {
    await redis.stop();
    for (const mode of ["open", "closed"] as const) {
      expect(await ask(mode)).toEqual(lost[mode]);
    }
    redis = await startRedis({ port: redis.port });
    await bothCounting();
  }, 60_000);
});
