import { replicaCluster, type Json } from "./clusters.js";
import type { GatewayProfile } from "./profiles.js";

/** The name of the cluster of the web console's static-file service (`guardian serve console`). */
export const consoleCluster = "console";

/** The exact paths of the console's page, then the prefix of its content-hashed files. */
export const consolePaths = ["/", "/index.html"] as const;
export const consoleAssetPrefix = "/assets/";

/**
 * The console's routes: its page and its assets, to the console cluster. They go after every
 * API route, so that no RPC path can ever reach the console; the page calls the API on this
 * same origin. They take the retry policy of reads: fetching a file may run twice.
 */
export function consoleRoutes(readRetries: Json | undefined): Json[] {
  const route = { cluster: consoleCluster, timeout: "15s", retry_policy: readRetries };
  return [
    ...consolePaths.map((path) => ({
      name: path === "/" ? "console" : `console${path}`,
      match: { path },
      route,
    })),
    { name: "console/assets", match: { prefix: consoleAssetPrefix }, route },
  ];
}

/** JWT rules that let the console's files through without a token (the page signs in). */
export function consoleJwtRules(): Json[] {
  return [
    ...consolePaths.map((path) => ({ match: { path } })),
    { match: { prefix: consoleAssetPrefix } },
  ];
}

/**
 * The console's cluster: plain HTTP/1.1 to DNS-discovered replicas, health-checked on
 * `/readyz`, with circuit breakers and outlier detection like the service clusters.
 */
export function consoleClusterConfig(profile: GatewayProfile): Json {
  return replicaCluster(consoleCluster, profile.console, {
    check: { http_health_check: { path: "/readyz" } },
  });
}
