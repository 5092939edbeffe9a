import { authSettings } from "@guardian/authz";
import { ConfigError, readConfig } from "@guardian/kit";
import { UsageError } from "../usage-error.js";
import { storeEngineSettings } from "@guardian/store-service";
import { isServiceName, serviceNames, type ServiceName } from "../host/services.js";
import {
  auditSettings,
  consoleSettings,
  databaseSettings,
  limitSettings,
  pageTokenSettings,
  processSettings,
  remoteStoreSettings,
} from "../settings.js";

/** Every setting `guardian serve` reads when it hosts services. */
export const serveSettingSpecs = {
  ...processSettings,
  ...consoleSettings,
  ...databaseSettings,
  ...limitSettings,
  ...auditSettings,
  ...remoteStoreSettings,
  ...pageTokenSettings,
  ...authSettings,
  ...storeEngineSettings,
};

/** What `guardian serve <words>` is asked to run. */
export interface ServePlan {
  /** The services this process hosts (none: the web console alone). */
  hosted: ServiceName[];
  /** Whether the web console is served too. */
  console: boolean;
}

/**
 * Reads the service words of `guardian serve` (none: every service but the console). Throws
 * a UsageError naming an unknown word.
 */
export function planServe(args: readonly string[]): ServePlan {
  const names = args.length === 0 ? [...serviceNames] : [...args];
  const unknown = names.filter((n) => !isServiceName(n) && n !== "console");
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown service ${unknown.join(", ")}; expected one of ${[...serviceNames, "console"].join(", ")}`,
    );
  }
  return { hosted: names.filter(isServiceName), console: names.includes("console") };
}

/**
 * Reads and checks the settings of a process hosting `hosted`: a ConfigError names a missing
 * or malformed variable, and a UsageError says that config or schema without the store in
 * the same process need GUARDIAN_STORE_URL. ETCD_ENDPOINTS without GUARDIAN_STORE_ENGINE=etcd
 * is refused where store or cluster is hosted: they would silently use PostgreSQL instead.
 */
export function readServeSettings(
  hosted: readonly ServiceName[],
  env: Record<string, string | undefined>,
) {
  const settings = readConfig(env, serveSettingSpecs);
  const needsStore = hosted.some((n) => n === "config" || n === "schema");
  if (needsStore && !hosted.includes("store") && !settings.storeUrl) {
    throw new UsageError(
      "GUARDIAN_STORE_URL is required: config and schema reach the store through it (or run store in the same process: guardian serve store config schema)",
    );
  }
  const usesEtcd = hosted.some((n) => n === "store" || n === "cluster");
  if (usesEtcd && settings.storeEngine !== "etcd" && (settings.etcdEndpoints?.length ?? 0) > 0) {
    throw new ConfigError([
      {
        variable: "GUARDIAN_STORE_ENGINE",
        problem:
          "is sql while ETCD_ENDPOINTS is set: set GUARDIAN_STORE_ENGINE=etcd for the store and cluster services to use etcd, or unset ETCD_ENDPOINTS",
      },
    ]);
  }
  return settings;
}
