import type { Json } from "./clusters.js";
import { consoleJwtRules } from "./console.js";
import type { GatewayProfile } from "./profiles.js";
import type { GatewayRpc } from "./rpcs.js";

/** The HTTP filters of the public listener, in the order Envoy runs them. */
export const httpFilterOrder = [
  "envoy.filters.http.cors",
  "envoy.filters.http.grpc_web",
  "envoy.filters.http.jwt_authn",
  "envoy.filters.http.local_ratelimit",
  "envoy.filters.http.ratelimit",
  "envoy.filters.http.router",
] as const;

/** The rate limit domain Envoy sends; the rate limit service's limits file must use it. */
export const rateLimitDomain = "guardian";

/** Where jwt_authn puts the verified payload (filter metadata of `envoy.filters.http.jwt_authn`). */
export const jwtPayloadKey = "jwt_payload";

/** The JWT providers, by name. */
export const providers = { keycloak: "keycloak", guardian: "guardian" } as const;

/** Paths outside the RPC routes that need no credentials. */
export const publicHttpPaths = [
  "/.well-known/jwks.json",
  "/.well-known/openid-configuration",
] as const;

/** Request headers a browser may send: Connect, gRPC-Web, credentials and tracing. */
export const corsAllowHeaders = [
  "content-type",
  "connect-protocol-version",
  "connect-timeout-ms",
  "connect-accept-encoding",
  "connect-content-encoding",
  "accept-encoding",
  "content-encoding",
  "grpc-timeout",
  "x-grpc-web",
  "x-user-agent",
  "authorization",
  "x-api-key",
  "x-request-id",
];

/**
 * Response headers a browser may read: gRPC status, request id, rate limit hints, a read's
 * staleness mark (`guardian-stale`) and a Connect GET's `etag` (for `if-none-match`).
 */
export const corsExposeHeaders = [
  "grpc-status",
  "grpc-message",
  "grpc-status-details-bin",
  "x-request-id",
  "retry-after",
  "x-envoy-ratelimited",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
  "guardian-stale",
  "etag",
];

/** The CORS policy of the public virtual host: exact origins only, no credentials mode. */
export function corsPolicy(profile: GatewayProfile): Json {
  return {
    "@type": "type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy",
    allow_origin_string_match: profile.corsOrigins.map((origin) => ({ exact: origin })),
    allow_methods: "GET, POST, OPTIONS",
    allow_headers: corsAllowHeaders.join(", "),
    expose_headers: corsExposeHeaders.join(", "),
    max_age: "7200",
    allow_credentials: false,
  };
}

const anyIssuer: Json = {
  requires_any: {
    requirements: [{ provider_name: providers.keycloak }, { provider_name: providers.guardian }],
  },
};

const anyIssuerOrNone: Json = {
  requires_any: {
    requirements: [
      { provider_name: providers.keycloak },
      { provider_name: providers.guardian },
      // API keys travel in x-api-key; a JWT that is sent must still be valid.
      { allow_missing: {} },
    ],
  },
};

/** The JWT requirement of an RPC, from its access option (`undefined`: none). */
export function jwtRequirement(rpc: Pick<GatewayRpc, "auth">): Json | undefined {
  switch (rpc.auth) {
    case "public":
      return undefined;
    case "api_key":
      return anyIssuerOrNone;
    case "jwt":
      return anyIssuer;
  }
}

/**
 * The JWT rules, one per RPC path (generated from the access options), the web console's
 * files (public), then a catch-all that requires a JWT for anything else. Rules match in
 * order; the first match decides.
 */
export function jwtRules(rpcs: readonly GatewayRpc[]): Json[] {
  return [
    ...publicHttpPaths.map((path) => ({ match: { path } })),
    ...rpcs.map((rpc) => {
      const requires = jwtRequirement(rpc);
      return requires === undefined
        ? { match: { path: rpc.path } }
        : { match: { path: rpc.path }, requires };
    }),
    ...consoleJwtRules(),
    { match: { prefix: "/" }, requires: anyIssuer },
  ];
}

function jwtProvider(profile: GatewayProfile, which: keyof typeof providers): Json {
  const issuer = profile.issuers[which];
  return {
    issuer: issuer.issuer,
    audiences: [profile.audience],
    require_expiration: true,
    clock_skew_seconds: 30,
    remote_jwks: {
      http_uri: { uri: issuer.jwksUri, cluster: issuer.cluster, timeout: "5s" },
      cache_duration: "300s",
      async_fetch: { fast_listener: false, failed_refetch_duration: "5s" },
      retry_policy: {
        num_retries: 3,
        retry_back_off: { base_interval: "0.5s", max_interval: "5s" },
      },
    },
    forward: true,
    payload_in_metadata: jwtPayloadKey,
  };
}

/**
 * The public listener's HTTP filters: CORS (answers preflights first), gRPC-Web (turns
 * gRPC-Web into gRPC before anything can reject, so that every rejection is a gRPC answer
 * it frames back as gRPC-Web), JWT, local then global rate limit, router.
 */
export function httpFilters(profile: GatewayProfile, rpcs: readonly GatewayRpc[]): Json[] {
  return [
    {
      name: "envoy.filters.http.cors",
      typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors" },
    },
    {
      name: "envoy.filters.http.grpc_web",
      typed_config: {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.grpc_web.v3.GrpcWeb",
      },
    },
    {
      name: "envoy.filters.http.jwt_authn",
      typed_config: {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication",
        providers: {
          [providers.keycloak]: jwtProvider(profile, "keycloak"),
          [providers.guardian]: jwtProvider(profile, "guardian"),
        },
        rules: jwtRules(rpcs),
        bypass_cors_preflight: true,
      },
    },
    {
      name: "envoy.filters.http.local_ratelimit",
      typed_config: {
        "@type":
          "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
        stat_prefix: "local_rate_limit",
        // A per-Envoy ceiling that protects the services even when the global limiter is down.
        token_bucket: { max_tokens: 2000, tokens_per_fill: 1000, fill_interval: "1s" },
        filter_enabled: {
          runtime_key: "local_rate_limit_enabled",
          default_value: { numerator: 100, denominator: "HUNDRED" },
        },
        filter_enforced: {
          runtime_key: "local_rate_limit_enforced",
          default_value: { numerator: 100, denominator: "HUNDRED" },
        },
        rate_limited_as_resource_exhausted: true,
        response_headers_to_add: [
          {
            append_action: "OVERWRITE_IF_EXISTS_OR_ADD",
            header: { key: "x-local-rate-limit", value: "true" },
          },
        ],
      },
    },
    {
      name: "envoy.filters.http.ratelimit",
      typed_config: {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit",
        domain: rateLimitDomain,
        timeout: "0.25s",
        // The service itself applies GUARDIAN_RATELIMIT_FAILURE_MODE when Redis is down; this
        // covers the service being unreachable: availability wins.
        failure_mode_deny: false,
        rate_limited_as_resource_exhausted: true,
        enable_x_ratelimit_headers: "DRAFT_VERSION_03",
        rate_limit_service: {
          grpc_service: { envoy_grpc: { cluster_name: "ratelimit" }, timeout: "0.25s" },
          transport_api_version: "V3",
        },
      },
    },
    {
      name: "envoy.filters.http.router",
      typed_config: {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
      },
    },
  ];
}
