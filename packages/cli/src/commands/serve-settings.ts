import { authSettings } from "@guardian/authz";
import { ConfigError, readConfig } from "@guardian/kit";
import { UsageError } from "../usage-error.js";
import { storeEngineSettings } from "@guardian/store-service";
import { isServiceName, serviceNames, type ServiceName } from "../host/services.js";
import { storeJobSettings, workerSettings } from "../host/background.js";
import {
  auditSettings,
  consoleSettings,
  databaseSettings,
  limitSettings,
  pageTokenSettings,
  processCountSettings,
  processSettings,
  remoteStoreSettings,
} from "../settings.js";

/** Every setting `guardian serve` reads when it hosts services. */
export const serveSettingSpecs = {
  ...processSettings,
  ...processCountSettings,
  ...consoleSettings,
  ...databaseSettings,
  ...limitSettings,
  ...auditSettings,
  ...remoteStoreSettings,
  ...pageTokenSettings,
  ...authSettings,
  ...storeEngineSettings,
  ...storeJobSettings,
  ...workerSettings,
};

/** What `guardian serve <words>` is asked to run. */
export interface ServePlan {
  /** The services this process hosts (none: the web console alone). */
  hosted: ServiceName[];
  /** Whether the web console is served too. */
  console: boolean;
  /**
   * Whether this process runs background work: the job worker (webhook deliveries) and the
   * "worker" scheduler group (webhook fan-out, credential cleanup, audit retention).
   */
  worker: boolean;
}

const roles = ["console", "worker"] as const;

/**
 * The services that may run as several processes on one port: they answer from memory
 * (caches fed by change feeds and the store watch) and keep no state a second process
 * would contradict.
 */
export const multiProcessServices: readonly ServiceName[] = ["auth", "config", "schema", "cluster"];

/**
 * Reads the service words of `guardian serve` (none: every service and the worker, but not
 * the console). Throws a UsageError naming an unknown word.
 */
export function planServe(args: readonly string[]): ServePlan {
  const names = args.length === 0 ? [...serviceNames, "worker"] : [...args];
  const unknown = names.filter(
    (n) => !isServiceName(n) && !(roles as readonly string[]).includes(n),
  );
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown service ${unknown.join(", ")}; expected one of ${[...serviceNames, ...roles].join(", ")}`,
    );
  }
  return {
    hosted: names.filter(isServiceName),
    console: names.includes("console"),
    worker: names.includes("worker"),
  };
}

/**
 * Reads and checks the settings of a process hosting `hosted` (and the worker): a ConfigError
 * names a missing or malformed variable, and a UsageError says that config or schema without
 * the store in the same process need GUARDIAN_STORE_URL. ETCD_ENDPOINTS without
 * GUARDIAN_STORE_ENGINE=etcd is refused where store, cluster or the worker runs: their
 * elections and data would silently use PostgreSQL instead. GUARDIAN_PROCESSES above 1 is
 * refused unless every service is one of {@link multiProcessServices} and the worker is not
 * asked for.
 */
export function readServeSettings(
  hosted: readonly ServiceName[],
  env: Record<string, string | undefined>,
  opts: { worker?: boolean } = {},
) {
  const settings = readConfig(env, serveSettingSpecs);
  const needsStore = hosted.some((n) => n === "config" || n === "schema");
  if (needsStore && !hosted.includes("store") && !settings.storeUrl) {
    throw new UsageError(
      "GUARDIAN_STORE_URL is required: config and schema reach the store through it (or run store in the same process: guardian serve store config schema)",
    );
  }
  const usesEtcd = opts.worker === true || hosted.some((n) => n === "store" || n === "cluster");
  if (usesEtcd && settings.storeEngine !== "etcd" && (settings.etcdEndpoints?.length ?? 0) > 0) {
    throw new ConfigError([
      {
        variable: "GUARDIAN_STORE_ENGINE",
        problem:
          "is sql while ETCD_ENDPOINTS is set: set GUARDIAN_STORE_ENGINE=etcd for the store, the cluster service and the worker to use etcd, or unset ETCD_ENDPOINTS",
      },
    ]);
  }
  const single = [
    ...hosted.filter((n) => !multiProcessServices.includes(n)),
    ...(opts.worker === true ? ["worker"] : []),
  ];
  if (settings.processes > 1 && single.length > 0) {
    throw new ConfigError([
      {
        variable: "GUARDIAN_PROCESSES",
        problem: `is ${settings.processes} while this process runs ${single.join(" and ")}: several processes on one port are for ${multiProcessServices.join(", ")} (and console beside them); run store and worker with 1 and add replicas instead`,
      },
    ]);
  }
  return settings;
}
