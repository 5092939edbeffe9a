import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { requireSystemBinaries } from "@guardian/testkit";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { readRepoFile, repoRoot } from "./checks.js";
import { parseComposeText } from "./compose-spec.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- these files are free-form YAML and JSON */
const execFileAsync = promisify(execFile);
let services: Record<string, unknown>;

beforeAll(async () => {
  const compose = parseComposeText(await readRepoFile("docker-compose.yml"));
  services = compose["services"] as Record<string, unknown>;
});

describe("observability files", () => {
  it("scrapes only hosts that compose runs, with rules that load", async () => {
    const prom = parse(await readRepoFile("deploy/prometheus/prometheus.yml")) as any;
    for (const job of prom.scrape_configs) {
      const hosts: string[] = [
        ...(job.static_configs ?? []).flatMap((c: any) =>
          c.targets.map((t: string) => t.split(":")[0]),
        ),
        ...(job.dns_sd_configs ?? []).flatMap((c: any) => c.names),
      ];
      for (const host of hosts) {
        if (host !== "127.0.0.1")
          expect(services, `${job.job_name} → ${host}`).toHaveProperty(host);
      }
    }
    expect(prom.rule_files).toEqual(["/etc/prometheus/alerts.yml"]);
    const rules = parse(await readRepoFile("deploy/prometheus/alerts.yml")) as any;
    const alerts = rules.groups.flatMap((g: any) => g.rules);
    expect(alerts.length).toBeGreaterThan(3);
    for (const rule of alerts) {
      expect(rule.alert).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(typeof rule.expr).toBe("string");
      expect(["page", "ticket"], rule.alert).toContain(rule.labels.severity);
      expect(rule.annotations.summary, rule.alert).toBeTruthy();
    }
    const names = alerts.map((r: any) => r.alert);
    expect(new Set(names).size).toBe(names.length);
  });

  it("passes promtool: the rules and the scrape config check, and the rules' unit tests pass", async () => {
    const { promtool } = requireSystemBinaries();
    const cwd = join(repoRoot, "deploy/prometheus");
    const run = async (...args: string[]) => {
      try {
        return (await execFileAsync(promtool, args, { cwd })).stdout;
      } catch (err) {
        const { stdout, stderr } = err as { stdout: string; stderr: string };
        throw new Error(`promtool ${args.join(" ")} failed:\n${stdout}${stderr}`);
      }
    };
    expect(await run("check", "rules", "alerts.yml")).toContain("SUCCESS");
    expect(await run("check", "config", "--syntax-only", "prometheus.yml")).toContain("SUCCESS");
    expect(await run("test", "rules", "alerts.test.yml")).toContain("SUCCESS");
  });

  it("provisions Grafana with dashboards that use the provisioned data source", async () => {
    const ds = parse(
      await readRepoFile("deploy/grafana/provisioning/datasources/datasources.yml"),
    ) as any;
    const uids = new Set(ds.datasources.map((d: any) => d.uid));
    const dir = join(repoRoot, "deploy/grafana/dashboards");
    const files = (await readdir(dir)).filter((f) => f.endsWith(".json"));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const dash = JSON.parse(await readRepoFile(`deploy/grafana/dashboards/${file}`)) as any;
      expect(dash.uid, file).toBeTruthy();
      for (const panel of dash.panels) {
        expect(uids.has(panel.datasource.uid), `${file}: ${panel.title}`).toBe(true);
        expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      }
    }
  });

  it("wires every collector pipeline to defined components, exporting traces to Jaeger", async () => {
    const otel = parse(await readRepoFile("deploy/otel/collector.yaml")) as any;
    for (const [name, pipeline] of Object.entries<any>(otel.service.pipelines)) {
      for (const kind of ["receivers", "processors", "exporters"]) {
        for (const component of pipeline[kind] ?? []) {
          expect(otel[kind], `${name}.${kind}: ${component}`).toHaveProperty([component]);
        }
      }
    }
    expect(otel.exporters["otlp/jaeger"].endpoint.split(":")[0]).toBe("jaeger");
    expect(services["jaeger"]).toBeDefined();
  });
});
