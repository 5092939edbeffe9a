import { describeConfig, type ConfigSpec } from "@guardian/kit";
import { housekeepingSettings } from "@guardian/auth-service";
import { authSettings } from "@guardian/authz";
import { webhookSettings } from "@guardian/config-service";
import { ratelimitSettings } from "@guardian/ratelimit-service";
import { historyRetentionSettings, storeEngineSettings } from "@guardian/store-service";
import { jobRunnerSettings } from "./host/background.js";
import {
  auditSettings,
  consoleSettings,
  databaseSettings,
  embeddedOnlySettings,
  embeddedRateLimitSettings,
  limitSettings,
  migrateSettings,
  pageTokenSettings,
  processCountSettings,
  processSettings,
  remoteStoreSettings,
} from "./settings.js";

/** Every configuration spec a Guardian process may read, by where it applies. */
export const configSpecs: Record<string, ConfigSpec> = {
  process: processSettings,
  processes: processCountSettings,
  embedded: embeddedOnlySettings,
  database: databaseSettings,
  migrate: migrateSettings,
  limits: limitSettings,
  audit: auditSettings,
  remoteStore: remoteStoreSettings,
  pageTokens: pageTokenSettings,
  storeEngine: storeEngineSettings,
  jobs: jobRunnerSettings,
  webhooks: webhookSettings,
  housekeeping: { ...historyRetentionSettings, ...housekeepingSettings },
  auth: authSettings,
  embeddedRateLimits: embeddedRateLimitSettings,
  console: consoleSettings,
  ratelimit: ratelimitSettings,
};

/** The names of every environment variable Guardian reads, sorted. */
export function knownVariables(): string[] {
  const names = new Set<string>();
  for (const spec of Object.values(configSpecs))
    for (const v of describeConfig(spec)) names.add(v.name);
  return [...names].sort();
}
