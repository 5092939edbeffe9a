/**
 * The Envoy statistics that Guardian's dashboards and alert rules use, under the names Envoy's
 * `/stats/prometheus` gives them: `envoy_` plus the stat name with its tags extracted (for
 * example `cluster.config.membership_healthy` becomes
 * `envoy_cluster_membership_healthy{envoy_cluster_name="config"}`). No Envoy runs in the tests,
 * so each name is listed here with the statistic it comes from and the page of Envoy's
 * documentation that defines it; the metric-name test accepts these and nothing else of Envoy.
 */
export interface EnvoyStat {
  /** The statistic as Envoy's documentation names it. */
  readonly stat: string;
  /** The page of Envoy's documentation that lists it. */
  readonly docs: string;
}

const clusterStats =
  "https://www.envoyproxy.io/docs/envoy/latest/configuration/upstream/cluster_manager/cluster_stats";

/** Envoy's Prometheus metric names used in `deploy/`, each with its statistic. */
export const envoyStats: Readonly<Record<string, EnvoyStat>> = {
  envoy_cluster_membership_healthy: {
    stat: "cluster.<name>.membership_healthy (gauge: healthy hosts of the cluster)",
    docs: clusterStats,
  },
  envoy_cluster_membership_total: {
    stat: "cluster.<name>.membership_total (gauge: hosts of the cluster)",
    docs: clusterStats,
  },
  envoy_cluster_upstream_rq_retry: {
    stat: "cluster.<name>.upstream_rq_retry (counter: retried requests)",
    docs: clusterStats,
  },
  envoy_cluster_outlier_detection_ejections_active: {
    stat: "cluster.<name>.outlier_detection.ejections_active (gauge: hosts ejected now)",
    docs: clusterStats,
  },
  envoy_cluster_ratelimit_error: {
    stat: "cluster.<route target cluster>.ratelimit.error (counter: errors contacting the rate limit service)",
    docs: "https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/rate_limit_filter#statistics",
  },
  envoy_http_downstream_rq_xx: {
    stat: "http.<stat_prefix>.downstream_rq_<1xx..5xx> (counter; the class becomes the envoy_response_code_class tag)",
    docs: "https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/stats",
  },
  envoy_http_local_rate_limit_rate_limited: {
    stat: "<stat_prefix>.http_local_rate_limit.rate_limited (counter: requests answered 429; the prefix becomes the envoy_local_http_ratelimit_prefix tag)",
    docs: "https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/local_rate_limit_filter#statistics",
  },
};
