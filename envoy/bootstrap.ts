import { resolve } from "node:path";
import { format, resolveConfig } from "prettier";
import { stringify } from "yaml";
import {
  adminCluster,
  adminClusterConfig,
  adminEndpoint,
  keycloakCluster,
  otelCluster,
  otelClusterConfig,
  serviceCluster,
  socketAddress,
  type Json,
} from "./clusters.js";
import { consoleClusterConfig } from "./console.js";
import { edgeTls } from "./edge-tls.js";
import { httpFilters } from "./http-filters.js";
import { localReplyConfig } from "./local-replies.js";
import type { GatewayProfile } from "./profiles.js";
import { publicRouteConfig } from "./routes.js";
import { repoRoot } from "./protos.js";
import { gatewayRpcs, streamCluster, type GatewayRpc } from "./rpcs.js";

/** The only paths the metrics listener serves (from the admin interface). */
export const metricsPaths = ["/stats/prometheus", "/ready"] as const;

const hcmType =
  "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";

function stdoutAccessLog(): Json[] {
  return [
    {
      name: "envoy.access_loggers.stdout",
      typed_config: {
        "@type": "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog",
        log_format: {
          json_format: {
            time: "%START_TIME%",
            method: "%REQ(:METHOD)%",
            path: "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
            protocol: "%PROTOCOL%",
            status: "%RESPONSE_CODE%",
            grpc_status: "%GRPC_STATUS%",
            flags: "%RESPONSE_FLAGS%",
            duration_ms: "%DURATION%",
            upstream: "%UPSTREAM_HOST%",
            client: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%",
            request_id: "%REQ(X-REQUEST-ID)%",
          },
        },
      },
    },
  ];
}

function publicListener(profile: GatewayProfile, rpcs: readonly GatewayRpc[]): Json {
  const tls = edgeTls(profile);
  return {
    name: "public",
    address: socketAddress({ host: "0.0.0.0", port: profile.publicPort }),
    per_connection_buffer_limit_bytes: 1_048_576,
    filter_chains: [
      {
        ...(tls === undefined ? {} : { transport_socket: tls }),
        filters: [
          {
            name: "envoy.filters.network.http_connection_manager",
            typed_config: {
              "@type": hcmType,
              stat_prefix: "public",
              // HTTP/1.1 (Connect, gRPC-Web) and h2c (gRPC, Connect, gRPC-Web) on one port.
              codec_type: "AUTO",
              use_remote_address: profile.clientAddress.useRemoteAddress,
              xff_num_trusted_hops: profile.clientAddress.xffNumTrustedHops,
              normalize_path: true,
              merge_slashes: true,
              path_with_escaped_slashes_action: "REJECT_REQUEST",
              generate_request_id: true,
              preserve_external_request_id: true,
              request_headers_timeout: "10s",
              stream_idle_timeout: "300s",
              common_http_protocol_options: {
                idle_timeout: "3600s",
                headers_with_underscores_action: "REJECT_REQUEST",
              },
              http2_protocol_options: {
                max_concurrent_streams: 100,
                initial_stream_window_size: 65_536,
                initial_connection_window_size: 1_048_576,
              },
              access_log: stdoutAccessLog(),
              // The OpenTelemetry tracer continues and sends W3C trace context (`traceparent`,
              // `tracestate`), which Guardian's processes continue; their parent-based sampler
              // keeps Envoy's decision, so a trace is whole or absent.
              tracing: {
                random_sampling: { value: 10 },
                provider: {
                  name: "envoy.tracers.opentelemetry",
                  typed_config: {
                    "@type": "type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig",
                    grpc_service: { envoy_grpc: { cluster_name: otelCluster }, timeout: "1s" },
                    service_name: "guardian-gateway",
                  },
                },
              },
              local_reply_config: localReplyConfig(),
              route_config: publicRouteConfig(profile, rpcs),
              http_filters: httpFilters(profile, rpcs),
            },
          },
        ],
      },
    ],
  };
}

/** Serves Envoy's Prometheus stats and readiness from the admin interface, and nothing else. */
function metricsListener(profile: GatewayProfile): Json {
  return {
    name: "metrics",
    address: socketAddress({ host: "0.0.0.0", port: profile.metricsPort }),
    filter_chains: [
      {
        filters: [
          {
            name: "envoy.filters.network.http_connection_manager",
            typed_config: {
              "@type": hcmType,
              stat_prefix: "metrics",
              codec_type: "AUTO",
              route_config: {
                name: "metrics",
                virtual_hosts: [
                  {
                    name: "metrics",
                    domains: ["*"],
                    routes: [
                      ...metricsPaths.map((path) => ({
                        match: { path },
                        route: { cluster: adminCluster, timeout: "5s" },
                      })),
                      {
                        match: { prefix: "/" },
                        direct_response: { status: 404, body: { inline_string: "not found\n" } },
                      },
                    ],
                  },
                ],
              },
              http_filters: [
                {
                  name: "envoy.filters.http.router",
                  typed_config: {
                    "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
                  },
                },
              ],
            },
          },
        ],
      },
    ],
  };
}

/** Builds the whole static bootstrap of a gateway profile from the protos' access options. */
export function buildBootstrap(profile: GatewayProfile, rpcs = gatewayRpcs()): Json {
  const services = Object.entries(profile.upstreams).map(([name, e]) => serviceCluster(name, e));
  // Services with streaming calls get a second cluster for them, next to their own.
  const streaming = new Set(rpcs.filter((r) => r.kind === "stream").map((r) => r.cluster));
  const streams = Object.entries(profile.upstreams)
    .filter(([name]) => streaming.has(streamCluster(name)))
    .map(([name, e]) => serviceCluster(name, e, { streams: true }));
  return {
    node: { id: "guardian-gateway", cluster: "guardian-gateway" },
    admin: { address: socketAddress(adminEndpoint) },
    static_resources: {
      listeners: [publicListener(profile, rpcs), metricsListener(profile)],
      clusters: [
        ...services,
        ...streams,
        consoleClusterConfig(profile),
        keycloakCluster(profile),
        otelClusterConfig(profile),
        adminClusterConfig(),
      ],
    },
    overload_manager: {
      resource_monitors: [
        {
          name: "envoy.resource_monitors.global_downstream_max_connections",
          typed_config: {
            "@type":
              "type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig",
            max_active_downstream_connections: 50_000,
          },
        },
      ],
    },
  };
}

/**
 * Renders a profile's bootstrap as the YAML file Envoy reads, with a do-not-edit header,
 * formatted as the repository's prettier would for `profile.output` (so formatting never
 * makes a committed file stale).
 */
export async function renderEnvoyYaml(
  profile: GatewayProfile,
  rpcs = gatewayRpcs(),
): Promise<string> {
  const header = [
    `# GENERATED by envoy/generate.ts from ${profile.environment} — do not edit.`,
    "# Routes and JWT rules come from the guardian.v1.access options in proto/guardian;",
    "# change the environment file, the generator or the protos, then regenerate",
    "# (pnpm envoy:generate; see docs/deploy.md).",
    "",
  ].join("\n");
  const text =
    header +
    stringify(buildBootstrap(profile, rpcs), { lineWidth: 0, aliasDuplicateObjects: false });
  const options = await resolveConfig(resolve(repoRoot, profile.output));
  return format(text, { ...options, parser: "yaml" });
}
