import { readdir } from "node:fs/promises";
import { join } from "node:path";
import {
  createEmptyDatabase,
  freePort,
  makeTempDir,
  migrateDatabase,
  removeTempDir,
  spawnProcess,
  startDev,
  startGuardian,
  stopGuardian,
  waitFor,
  type ManagedProcess,
  type RunningGuardian,
} from "@guardian/testkit";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readRepoFile, repoRoot } from "./checks.js";
import { envoyStats } from "./envoy-stats.js";
import {
  exposedMetrics,
  metricNamesOf,
  seriesNamesOf,
  type ExposedMetric,
} from "./promql-names.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- rule files and dashboards are free-form */

/** Every PromQL expression of the alert rules and the dashboards, with where it is. */
async function expressions(): Promise<{ where: string; expr: string }[]> {
  const found: { where: string; expr: string }[] = [];
  const rules = parse(await readRepoFile("deploy/prometheus/alerts.yml")) as any;
  for (const group of rules.groups) {
    for (const rule of group.rules)
      found.push({ where: `alerts.yml ${rule.alert}`, expr: rule.expr });
  }
  const dir = join(repoRoot, "deploy/grafana/dashboards");
  for (const file of (await readdir(dir)).filter((f) => f.endsWith(".json"))) {
    const dash = JSON.parse(await readRepoFile(`deploy/grafana/dashboards/${file}`)) as any;
    for (const panel of dash.panels) {
      for (const target of panel.targets) {
        found.push({ where: `${file}: ${panel.title}`, expr: target.expr });
      }
    }
  }
  return found;
}

/** Names Prometheus itself gives every scrape target. */
const prometheusSeries = ["up", "scrape_duration_seconds", "scrape_samples_scraped"];

const ratelimitMain = join(repoRoot, "services/ratelimit/src/main.ts");
const tsxLoader = join(repoRoot, "node_modules/tsx/dist/loader.mjs");

describe("metrics of dashboards and alert rules", () => {
  const scraped = new Map<string, ExposedMetric[]>();
  let dataDir: string;
  let logDir: string;
  let dev: RunningGuardian | undefined;
  let store: RunningGuardian | undefined;
  let ratelimit: ManagedProcess | undefined;
  let ratelimitUrl = "";

  const scrape = async (what: string, url: string) => {
    const res = await fetch(url);
    expect(res.status, url).toBe(200);
    scraped.set(what, exposedMetrics(await res.text()));
  };

  beforeAll(async () => {
    dataDir = await makeTempDir("metrics-dev");
    logDir = await makeTempDir("metrics-logs");
    const { adminUrl } = inject("postgres");
    const db = await createEmptyDatabase(adminUrl);
    await migrateDatabase(db.url);
    const ratelimitPort = await freePort();
    ratelimit = spawnProcess({
      name: "guardian-ratelimit",
      command: process.execPath,
      args: ["--import", `file://${tsxLoader}`, ratelimitMain],
      logFile: join(logDir, "ratelimit.log"),
      env: {
        ...process.env,
        GUARDIAN_RATELIMIT_PORT: String(ratelimitPort),
        REDIS_URL: inject("redis").url,
        GUARDIAN_RATELIMIT_CONFIG: join(repoRoot, "deploy/ratelimit/limits.yaml"),
        GUARDIAN_LOG_LEVEL: "warn",
      },
    });
    [dev, store] = await Promise.all([
      startDev(dataDir),
      startGuardian(["serve", "store"], {
        DATABASE_URL: db.url,
        GUARDIAN_STORE_ENGINE: "etcd",
        ETCD_ENDPOINTS: inject("etcd").endpoints.join(","),
        GUARDIAN_PAGE_TOKEN_SECRET: "page token secret of the metrics test process",
        // The "listening" line that tells where it listens is logged at info.
        GUARDIAN_LOG_LEVEL: "info",
        GUARDIAN_READINESS_INTERVAL: "250ms",
      }),
    ]);
    ratelimitUrl = `http://127.0.0.1:${ratelimitPort}`;
    await waitFor(async () => ((await fetch(`${ratelimitUrl}/healthz`)).ok ? true : undefined), {
      what: "the rate limit service to answer /healthz",
      timeoutMs: 90_000,
      details: () => ratelimit?.logTail() ?? "",
    });
    // Dependencies are reported once checked: wait until the store saw etcd and PostgreSQL.
    await waitFor(async () => ((await fetch(`${store!.url}/readyz`)).ok ? true : undefined), {
      what: "the store to be ready",
      timeoutMs: 60_000,
      details: () => store?.output() ?? "",
    });
    await scrape("guardian dev", `${dev.url}/metrics`);
    await scrape("guardian serve store (etcd)", `${store.url}/metrics`);
    await scrape("rate limit service", `${ratelimitUrl}/metrics`);
    await scrape("etcd", `${inject("etcd").endpoints[0]}/metrics`);
  }, 180_000);

  afterAll(async () => {
    if (dev) await stopGuardian(dev);
    if (store) await stopGuardian(store);
    await ratelimit?.stop();
    if (dataDir) await removeTempDir(dataDir);
    if (logDir) await removeTempDir(logDir);
  });

  it("uses in every alert rule and dashboard panel only metrics that Guardian, the rate limit service, etcd or Envoy expose", async () => {
    const known = new Set([...prometheusSeries, ...Object.keys(envoyStats)]);
    for (const metrics of scraped.values()) {
      for (const m of metrics) for (const name of seriesNamesOf(m)) known.add(name);
    }
    const unknown = [];
    const used = new Set<string>();
    for (const { where, expr } of await expressions()) {
      for (const name of metricNamesOf(expr)) {
        used.add(name);
        if (!known.has(name)) unknown.push(`${where}: ${name}`);
      }
    }
    expect(unknown).toEqual([]);
    // Every listed Envoy stat is used, so the list stays the justification of what is used.
    for (const name of Object.keys(envoyStats)) expect(used, name).toContain(name);
  });

  it("registers every Guardian metric at start, with help text and a name that carries its unit", () => {
    const names = (what: string) => new Set(scraped.get(what)!.map((m) => m.name));
    const dev = names("guardian dev");
    for (const name of [
      "guardian_rpc_started_total",
      "guardian_rpc_requests_total",
      "guardian_rpc_duration_seconds",
      "guardian_rpc_streams_active",
      "guardian_rpc_stream_messages_sent_total",
      "guardian_config_writes_total",
      "guardian_read_cache_lag_revisions",
      "guardian_read_cache_last_update_age_seconds",
      "guardian_store_operation_duration_seconds",
      "guardian_db_query_duration_seconds",
      "guardian_db_pool_connections",
      "guardian_db_pool_waiting_clients",
      "guardian_dependency_up",
      "guardian_jobs_claimed_total",
      "guardian_jobs_completed_total",
      "guardian_jobs_failed_total",
      "guardian_jobs_dead_lettered_total",
      "guardian_job_duration_seconds",
      "guardian_jobs",
    ]) {
      expect(dev, name).toContain(name);
    }
    const store = names("guardian serve store (etcd)");
    expect(store).toContain("guardian_store_operation_duration_seconds");
    expect(store).toContain("guardian_store_watch_cache_lag_revisions");
    expect(names("rate limit service")).toContain("guardian_ratelimit_decisions_total");
    expect(names("rate limit service")).toContain("guardian_dependency_up");
    expect(names("etcd")).toContain("etcd_server_quota_backend_bytes");
    for (const [what, metrics] of scraped) {
      for (const m of metrics.filter((x) => x.name.startsWith("guardian_"))) {
        expect(m.help, `${what}: ${m.name}`).not.toBe("");
        if (m.type === "counter") expect(m.name, what).toMatch(/_total$/);
        if (m.type === "histogram") expect(m.name, what).toMatch(/_seconds$|_bytes$/);
      }
    }
  });

  it("reports each dependency up or down as the readiness monitor last saw it", async () => {
    const text = await (await fetch(`${store!.url}/metrics`)).text();
    expect(text).toContain('guardian_dependency_up{dependency="postgres"} 1');
    expect(text).toContain('guardian_dependency_up{dependency="store etcd"} 1');
    // Nothing was written: the store's etcd watch has nothing to catch up on.
    expect(text).toContain("guardian_store_watch_cache_lag_revisions 0");
    const devText = await (await fetch(`${dev!.url}/metrics`)).text();
    expect(devText).toContain('guardian_dependency_up{dependency="database"} 1');
    // The rate limit service connects to Redis in the background after it starts.
    await waitFor(
      async () => {
        const text = await (await fetch(`${ratelimitUrl}/metrics`)).text();
        return text.includes('guardian_dependency_up{dependency="redis"} 1') ? true : undefined;
      },
      { what: "the rate limit service to report Redis up", timeoutMs: 30_000 },
    );
  });
});
