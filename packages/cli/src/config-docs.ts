import { describeConfig } from "@guardian/kit";
import { configSpecs } from "./config-specs.js";

/** Where each group of settings applies, as shown in docs/configuration.md. */
const groupTitles: Record<string, string> = {
  process: "Every process",
  processes:
    "Processes on one port (`guardian serve` of auth, config, schema, cluster; `guardian dev`, store and worker run one)",
  embedded: "Embedded mode (`guardian dev`)",
  database: "PostgreSQL (`guardian serve`, `guardian migrate`, `guardian admin create`)",
  migrate: "Migrations (`guardian migrate`)",
  limits: "Config and schema limits",
  remoteStore: "Reaching the store service (`guardian serve`)",
  pageTokens: "Page tokens (`guardian serve`)",
  storeEngine: "Store engine (`guardian serve store`)",
  jobs: "Job worker and schedulers (`guardian serve worker`, `guardian serve store`, `guardian dev`)",
  webhooks: "Webhooks (`guardian serve worker` delivers, `guardian serve config` registers)",
  housekeeping:
    "Housekeeping jobs (history retention: `guardian serve store`; the others: `guardian serve worker`)",
  auth: "Authentication and authorization",
  embeddedRateLimits: "Rate limits in embedded mode",
  console: "Web console (`guardian dev`, `guardian serve console`)",
  ratelimit: "Rate limit service (`guardian-ratelimit`, used by Envoy)",
};

/**
 * Renders docs/configuration.md from the typed configuration specs, so the reference never
 * drifts from what the processes actually read.
 */
export function renderConfigDocs(): string {
  const out = [
    "# Configuration",
    "",
    "Guardian reads its configuration from environment variables and checks all of them at",
    "startup: a missing or malformed value stops the process with a message naming the",
    "variable. Sizes accept `512KiB`, `4MiB` or a plain number of bytes; durations accept",
    "`250ms`, `15s`, `15m`, `1h30m`.",
    "",
    "This file is generated from the code (`pnpm docs:config`); a test fails when it is stale.",
  ];
  for (const [group, spec] of Object.entries(configSpecs)) {
    out.push(
      "",
      `## ${groupTitles[group] ?? group}`,
      "",
      "| Variable | Default | Description |",
      "| --- | --- | --- |",
    );
    for (const v of describeConfig(spec)) {
      const def = v.default !== undefined ? `\`${v.default}\`` : v.required ? "required" : "unset";
      out.push(`| \`${v.name}\` | ${def} | ${(v.description ?? "").replace(/\|/g, "\\|")} |`);
    }
  }
  return out.join("\n") + "\n";
}
