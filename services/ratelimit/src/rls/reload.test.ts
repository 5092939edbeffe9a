import { join } from "node:path";
import { createLogger } from "@guardian/kit";
import { makeTempDir, removeTempDir, waitFor } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RateLimitResponse_Code as Code } from "../gen/envoy/service/ratelimit/v3/rls_pb.js";
import type { LimitsWatcher } from "../limits/watch.js";
import { loadLimits, readLimitsFiles } from "../limits/load.js";
import { reloadLimitsOnChange } from "../reload.js";
import { createConfigMapDir } from "../testing/configmap-dir.js";
import { rlsRequest, startRlsServer, type RlsHarness } from "../testing/rls-server.js";

let root: string;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  root = await makeTempDir("ratelimit-reload");
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await removeTempDir(root);
});

const v1 = `
domain: guardian
descriptors:
  - key: user
    rate_limit: { unit: minute, requests_per_unit: 2 }
  - key: api_key
    rate_limit: { unit: minute, requests_per_unit: 5 }
`;

/** A server whose limits come from a ConfigMap-style directory, reloaded as it changes. */
async function serveMounted(name: string): Promise<{
  h: RlsHarness;
  update: (text: string) => Promise<void>;
}> {
  const cm = await createConfigMapDir(join(root, name), { "limits.yaml": v1 });
  const path = join(cm.dir, "limits.yaml");
  const h = await startRlsServer(await loadLimits(path));
  const watcher: LimitsWatcher = reloadLimitsOnChange({
    path,
    initial: await readLimitsFiles(path),
    limiter: h.limiter,
    metrics: h.rateMetrics,
    logger: createLogger({ level: "silent" }),
    pollMs: 3_600_000,
    debounceMs: 50,
  });
  closers.push(
    () => h.close(),
    () => watcher.close(),
  );
  return { h, update: (text) => cm.update({ "limits.yaml": text }) };
}

const ask = (h: RlsHarness, key: string, value: string) =>
  h.client.shouldRateLimit(rlsRequest("guardian", [[[key, value]]]));

/** Waits until a fresh `api_key` value is answered with `perMinute` as its limit. */
async function untilApiKeyLimit(h: RlsHarness, perMinute: number): Promise<void> {
  let probe = 0;
  await waitFor(
    async () => {
      const res = await ask(h, "api_key", `probe-${perMinute}-${probe++}`);
      return res.statuses[0]?.currentLimit?.requestsPerUnit === perMinute ? true : undefined;
    },
    { what: `the api_key limit to become ${perMinute}/minute`, timeoutMs: 20_000 },
  );
}

describe("a running rate limit server whose limits file changes", () => {
  it("serves the new limits, and unchanged descriptors keep their counts", async () => {
    const { h, update } = await serveMounted("swap");
    await ask(h, "user", "alice");
    expect((await ask(h, "user", "alice")).statuses[0]?.limitRemaining).toBe(0);
    expect((await ask(h, "tenant", "t1")).statuses[0]?.currentLimit).toBeUndefined();

    await update(
      v1.replace("requests_per_unit: 5", "requests_per_unit: 9") +
        "  - key: tenant\n    rate_limit: { unit: minute, requests_per_unit: 1 }\n",
    );
    await untilApiKeyLimit(h, 9);
    // The user limit did not change: alice's spent bucket is still spent.
    expect((await ask(h, "user", "alice")).overallCode).toBe(Code.OVER_LIMIT);
    expect((await ask(h, "user", "bob")).statuses[0]?.limitRemaining).toBe(1);
    expect((await ask(h, "tenant", "t1")).statuses[0]?.currentLimit?.requestsPerUnit).toBe(1);
    const metrics = await h.metrics();
    expect(metrics).toContain('guardian_ratelimit_config_reloads_total{result="ok"} 1');
    expect(metrics).toContain("guardian_ratelimit_config_valid 1");
  });

  it("keeps the previous limits while the new file is invalid, and reports it", async () => {
    const { h, update } = await serveMounted("invalid");
    await update(v1.replace("unit: minute", "unit: fortnight"));
    await waitFor(
      async () =>
        (await h.metrics()).includes("guardian_ratelimit_config_valid 0") ? true : undefined,
      { what: "the invalid file to be reported", timeoutMs: 20_000 },
    );
    expect(await h.metrics()).toContain(
      'guardian_ratelimit_config_reloads_total{result="error"} 1',
    );
    expect((await ask(h, "user", "carol")).statuses[0]?.currentLimit?.requestsPerUnit).toBe(2);
    await update(v1.replace("requests_per_unit: 5", "requests_per_unit: 6"));
    await untilApiKeyLimit(h, 6);
    expect(await h.metrics()).toContain("guardian_ratelimit_config_valid 1");
  });
});
