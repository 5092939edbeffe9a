import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { AppliedLimit } from "../limiter.js";
import { createRateLimitMetrics, maxDetailedLabels } from "./metrics.js";

const limit = (detailed: boolean): AppliedLimit => ({
  kind: "limited",
  domain: "guardian",
  name: "user",
  limitName: undefined,
  replaces: [],
  requestsPerUnit: 5,
  unit: "minute",
  periodMs: 60_000,
  shadow: false,
  detailed,
});

/** The `limit` labels of the decisions counter and their counts. */
async function decisions(registry: Registry): Promise<Map<string, number>> {
  const metric = await registry.getSingleMetric("guardian_ratelimit_decisions_total")!.get();
  return new Map(metric.values.map((v) => [String(v.labels["limit"]), v.value]));
}

describe("createRateLimitMetrics", () => {
  it(`labels detailed_metric limits by value for ${maxDetailedLabels} values, then by the node`, async () => {
    const registry = new Registry();
    const metrics = createRateLimitMetrics(registry);
    for (let i = 0; i < maxDetailedLabels + 5; i++) {
      metrics.onVerdict(limit(true), { code: "ok" }, [{ key: "user", value: `u${i}` }]);
    }
    metrics.onVerdict(limit(true), { code: "ok" }, [{ key: "user", value: "u0" }]);
    metrics.onVerdict(limit(false), { code: "ok" }, [{ key: "user", value: "other" }]);
    const counts = await decisions(registry);
    expect(counts.size).toBe(maxDetailedLabels + 1);
    expect(counts.get("user=u0")).toBe(2);
    expect(counts.get(`user=u${maxDetailedLabels - 1}`)).toBe(1);
    expect(counts.has(`user=u${maxDetailedLabels}`)).toBe(false);
    // The five values past the cap, and the one non-detailed verdict, count under the node.
    expect(counts.get("user")).toBe(6);
  });

  it("reports reloads and whether the config read last was valid", async () => {
    const registry = new Registry();
    const metrics = createRateLimitMetrics(registry);
    const valid = async () =>
      (await registry.getSingleMetric("guardian_ratelimit_config_valid")!.get()).values[0]?.value;
    expect(await valid()).toBe(1);
    metrics.onReload("error");
    expect(await valid()).toBe(0);
    metrics.onReload("ok");
    expect(await valid()).toBe(1);
  });
});
