import { describeConfig, type ConfigSpec } from "@guardian/kit";
import { databaseSettings, embeddedOnlySettings, processSettings } from "./settings.js";

/** Every configuration spec a Guardian process may read, by where it applies. */
export const configSpecs: Record<string, ConfigSpec> = {
  process: processSettings,
  embedded: embeddedOnlySettings,
  database: databaseSettings,
};

/** The names of every environment variable Guardian reads, sorted. */
export function knownVariables(): string[] {
  const names = new Set<string>();
  for (const spec of Object.values(configSpecs))
    for (const v of describeConfig(spec)) names.add(v.name);
  return [...names].sort();
}
