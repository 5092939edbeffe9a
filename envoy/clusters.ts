import type { Endpoint, GatewayProfile } from "./profiles.js";
import { streamCluster } from "./rpcs.js";

/** A piece of Envoy config in its proto-JSON/YAML shape. */
export type Json = Record<string, unknown>;

/** The name of the cluster that reaches Envoy's own admin interface. */
export const adminCluster = "envoy_admin";

/** The admin interface: loopback only, never reachable from outside the pod or container. */
export const adminEndpoint: Endpoint = { host: "127.0.0.1", port: 9901 };

/** The name of the cluster of the OpenTelemetry collector. */
export const otelCluster = "otel_collector";

/** The gRPC health service name each upstream cluster checks. */
export const healthServices: Readonly<Record<string, string>> = {
  auth: "guardian.auth.v1.AuthService",
  config: "guardian.config.v1.ConfigService",
  schema: "guardian.schema.v1.SchemaService",
  cluster: "guardian.cluster.v1.ClusterService",
  ratelimit: "envoy.service.ratelimit.v3.RateLimitService",
};

export function socketAddress(e: Endpoint): Json {
  return { socket_address: { address: e.host, port_value: e.port } };
}

function loadAssignment(name: string, e: Endpoint): Json {
  return {
    cluster_name: name,
    endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(e) } }] }],
  };
}

/** HTTP/2 (h2c) to the upstream, with keepalive pings that find dead connections. */
function http2Options(): Json {
  return {
    "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
      "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
      common_http_protocol_options: { idle_timeout: "300s" },
      explicit_http_config: {
        http2_protocol_options: {
          max_concurrent_streams: 1024,
          connection_keepalive: { interval: "30s", timeout: "5s" },
        },
      },
    },
  };
}

/** Circuit breakers of unary calls: retries bounded by a budget of 20 % of active requests. */
export const unaryThresholds: Json = {
  priority: "DEFAULT",
  max_connections: 1024,
  max_pending_requests: 1024,
  max_requests: 4096,
  retry_budget: { budget_percent: { value: 20 }, min_retry_concurrency: 3 },
};

/**
 * Circuit breakers of stream clusters: room for many open streams (each counts as an active
 * request for as long as it lives) and no retries at all, since streams are never retried.
 */
export const streamThresholds: Json = {
  priority: "DEFAULT",
  max_connections: 1024,
  max_pending_requests: 1024,
  max_requests: 65_536,
  max_retries: 0,
};

/**
 * A Guardian service cluster (or the rate limit service): DNS-discovered replicas over h2c,
 * gRPC health checks of the service's own name, and the protections of
 * {@link replicaCluster}. With `streams`, the cluster of the service's streaming calls
 * ({@link streamCluster}): the same replicas with {@link streamThresholds}.
 */
export function serviceCluster(name: string, e: Endpoint, opts: { streams?: boolean } = {}): Json {
  const healthService = healthServices[name];
  if (healthService === undefined) {
    throw new Error(`no health service known for cluster ${name}`);
  }
  return replicaCluster(opts.streams ? streamCluster(name) : name, e, {
    protocolOptions: http2Options(),
    check: { grpc_health_check: { service_name: healthService } },
    thresholds: { ...(opts.streams ? streamThresholds : unaryThresholds), track_remaining: true },
  });
}

/**
 * A cluster of DNS-discovered replicas, health-checked by `check` (Envoy's `grpc_health_check`
 * or `http_health_check`), with circuit breakers (`thresholds`, by default
 * {@link unaryThresholds}), and outlier detection that ejects a replica after consecutive
 * gateway failures (502/503/504, resets, connect failures).
 */
export function replicaCluster(
  name: string,
  e: Endpoint,
  opts: { check: Json; protocolOptions?: Json; thresholds?: Json },
): Json {
  return {
    name,
    type: "STRICT_DNS",
    dns_lookup_family: "V4_PREFERRED",
    connect_timeout: "2s",
    lb_policy: "LEAST_REQUEST",
    load_assignment: loadAssignment(name, e),
    ...(opts.protocolOptions ? { typed_extension_protocol_options: opts.protocolOptions } : {}),
    health_checks: [
      {
        timeout: "2s",
        interval: "5s",
        interval_jitter: "1s",
        unhealthy_threshold: 2,
        healthy_threshold: 1,
        no_traffic_interval: "10s",
        ...opts.check,
      },
    ],
    circuit_breakers: { thresholds: [opts.thresholds ?? unaryThresholds] },
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

/** Keycloak, for its JWKS only: HTTP/1.1, TLS outside compose. */
export function keycloakCluster(profile: GatewayProfile): Json {
  const { keycloak } = profile;
  const cluster: Json = {
    name: profile.issuers.keycloak.cluster,
    type: "STRICT_DNS",
    dns_lookup_family: "V4_PREFERRED",
    connect_timeout: "2s",
    load_assignment: loadAssignment(profile.issuers.keycloak.cluster, keycloak),
  };
  if (keycloak.tls) {
    cluster["transport_socket"] = {
      name: "envoy.transport_sockets.tls",
      typed_config: {
        "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
        sni: keycloak.host,
        common_tls_context: {
          validation_context: {
            trusted_ca: { filename: "/etc/ssl/certs/ca-certificates.crt" },
            match_typed_subject_alt_names: [{ san_type: "DNS", matcher: { exact: keycloak.host } }],
          },
        },
      },
    };
  }
  return cluster;
}

/** Envoy's admin interface, for the metrics listener's two routes. */
export function adminClusterConfig(): Json {
  return {
    name: adminCluster,
    type: "STATIC",
    connect_timeout: "1s",
    load_assignment: loadAssignment(adminCluster, adminEndpoint),
  };
}

/** The OpenTelemetry collector (OTLP over gRPC). */
export function otelClusterConfig(profile: GatewayProfile): Json {
  return {
    name: otelCluster,
    type: "STRICT_DNS",
    dns_lookup_family: "V4_PREFERRED",
    connect_timeout: "2s",
    load_assignment: loadAssignment(otelCluster, profile.otelCollector),
    typed_extension_protocol_options: http2Options(),
  };
}
