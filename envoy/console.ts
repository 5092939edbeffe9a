import { socketAddress, type Json } from "./clusters.js";
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
  return {
    name: consoleCluster,
    type: "STRICT_DNS",
    dns_lookup_family: "V4_PREFERRED",
    connect_timeout: "2s",
    lb_policy: "LEAST_REQUEST",
    load_assignment: {
      cluster_name: consoleCluster,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(profile.console) } }] }],
    },
    health_checks: [
      {
        timeout: "2s",
        interval: "5s",
        interval_jitter: "1s",
        unhealthy_threshold: 2,
        healthy_threshold: 1,
        no_traffic_interval: "10s",
        http_health_check: { path: "/readyz" },
      },
    ],
    circuit_breakers: {
      thresholds: [
        {
          priority: "DEFAULT",
          max_connections: 1024,
          max_pending_requests: 1024,
          max_requests: 4096,
          retry_budget: { budget_percent: { value: 20 }, min_retry_concurrency: 3 },
        },
      ],
    },
    outlier_detection: {
      consecutive_5xx: 5,
      consecutive_gateway_failure: 3,
      enforcing_consecutive_gateway_failure: 100,
      interval: "5s",
      base_ejection_time: "30s",
      max_ejection_percent: 50,
    },
  };
}
