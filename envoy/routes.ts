import { descriptorKeys } from "@guardian/ratelimit-service";
import type { Json } from "./clusters.js";
import { consoleRoutes } from "./console.js";
import { corsPolicy, jwtPayloadKey, publicHttpPaths } from "./http-filters.js";
import type { GatewayProfile } from "./profiles.js";
import type { GatewayRpc, RpcKind } from "./rpcs.js";

/** The route timeout of unary calls. */
export const unaryTimeout = "15s";

/**
 * How long a stream may stay silent before Envoy cuts it (the route's `idle_timeout`). Every
 * streaming RPC sends something well within it: ConfigService/Watch its bookmarks, the
 * ClusterService streams their keepalives (envoy/streams.test.ts checks both).
 */
export const streamIdleTimeoutSeconds = 600;

const previousHosts: Json = {
  name: "envoy.retry_host_predicates.previous_hosts",
  typed_config: {
    "@type":
      "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate",
  },
};

const backOff: Json = { base_interval: "0.025s", max_interval: "0.25s" };

/**
 * The retry policy of each kind of RPC, or `undefined` for none.
 *
 * - read: also after a reset or a 503 (HTTP 503 for Connect, grpc-status UNAVAILABLE for gRPC),
 *   since a call without side effects may run twice.
 * - write: only when the call certainly never reached a service (connect failure, or an
 *   HTTP/2 REFUSED_STREAM); writes also carry idempotency keys.
 * - stream: never.
 */
export function retryPolicy(kind: RpcKind): Json | undefined {
  switch (kind) {
    case "read":
      return {
        retry_on: "connect-failure,refused-stream,reset,retriable-status-codes,unavailable",
        retriable_status_codes: [503],
        num_retries: 2,
        per_try_timeout: "5s",
        retry_back_off: backOff,
        retry_host_predicate: [previousHosts],
        host_selection_retry_max_attempts: 3,
      };
    case "write":
      return {
        retry_on: "connect-failure,refused-stream",
        num_retries: 2,
        retry_back_off: backOff,
        retry_host_predicate: [previousHosts],
        host_selection_retry_max_attempts: 3,
      };
    case "stream":
      return undefined;
  }
}

/** The route of one RPC: exact path → its service cluster, timeout and retries by kind. */
export function rpcRoute(rpc: GatewayRpc): Json {
  const retry = retryPolicy(rpc.kind);
  const action: Json =
    rpc.kind === "stream"
      ? // Watch and other streams live as long as the client wants: no route timeout.
        { cluster: rpc.cluster, timeout: "0s", idle_timeout: `${streamIdleTimeoutSeconds}s` }
      : { cluster: rpc.cluster, timeout: unaryTimeout };
  if (retry !== undefined) {
    action["retry_policy"] = retry;
  }
  return { name: rpc.path.slice(1), match: { path: rpc.path }, route: action };
}

/**
 * The rate limit descriptors Envoy sends for every request on the public host, one per
 * action list: the JWT subject (`user`), the API key header (`api_key`) and the client
 * address (`remote_address`). A missing subject or header only drops that descriptor.
 */
export function rateLimitActions(): Json[] {
  return [
    {
      actions: [
        {
          metadata: {
            descriptor_key: descriptorKeys.user,
            metadata_key: {
              key: "envoy.filters.http.jwt_authn",
              path: [{ key: jwtPayloadKey }, { key: "sub" }],
            },
            source: "DYNAMIC",
            skip_if_absent: true,
          },
        },
      ],
    },
    {
      actions: [
        {
          request_headers: {
            header_name: "x-api-key",
            descriptor_key: descriptorKeys.apiKey,
            skip_if_absent: true,
          },
        },
      ],
    },
    { actions: [{ remote_address: {} }] },
  ];
}

/**
 * The public route table: the built-in issuer's JWKS and OpenID configuration (served by the
 * auth service), then one route per RPC, then the web console on the same origin.
 */
export function publicRouteConfig(profile: GatewayProfile, rpcs: readonly GatewayRpc[]): Json {
  const jwks = profile.issuers.guardian;
  return {
    name: "guardian",
    virtual_hosts: [
      {
        name: "guardian",
        domains: ["*"],
        typed_per_filter_config: { "envoy.filters.http.cors": corsPolicy(profile) },
        rate_limits: rateLimitActions(),
        routes: [
          ...publicHttpPaths.map((path) => ({
            name: path.slice(1),
            match: { path },
            route: { cluster: jwks.cluster, timeout: "5s", retry_policy: retryPolicy("read") },
          })),
          ...rpcs.map(rpcRoute),
          ...consoleRoutes(retryPolicy("read")),
        ],
      },
    ],
  };
}
