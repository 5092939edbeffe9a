/** Where an upstream listens. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** An identity provider whose JWTs the gateway verifies. */
export interface JwtIssuer {
  /** The exact `iss` of its tokens. */
  readonly issuer: string;
  /** Where Envoy fetches the signing keys (usually an internal URL). */
  readonly jwksUri: string;
  /** The Envoy cluster that reaches `jwksUri`. */
  readonly cluster: string;
}

/**
 * The deployment-specific values of one generated gateway config: addresses, issuers and
 * origins. Everything else (filters, routes, resilience) is the same for every profile.
 */
export interface GatewayProfile {
  /** Short name, used in the file header. */
  readonly name: string;
  /** Where the generated file goes, relative to the repository root. */
  readonly output: string;
  /** Port of the public listener (Connect, gRPC, gRPC-Web). */
  readonly publicPort: number;
  /** Port of the listener that serves only `/stats/prometheus` and `/ready`. */
  readonly metricsPort: number;
  /** The Guardian service clusters and the rate limit service. */
  readonly upstreams: Readonly<
    Record<"auth" | "config" | "schema" | "cluster" | "ratelimit", Endpoint>
  >;
  /** The web console's static-file service (`guardian serve console`). */
  readonly console: Endpoint;
  /** Keycloak, reached for its JWKS. */
  readonly keycloak: Endpoint & { readonly tls: boolean };
  /** The OpenTelemetry collector (OTLP gRPC) that receives Envoy's spans. */
  readonly otelCollector: Endpoint;
  readonly issuers: { readonly keycloak: JwtIssuer; readonly guardian: JwtIssuer };
  /** The `aud` every accepted token must carry (KEYCLOAK_AUDIENCE, GUARDIAN_TOKEN_AUDIENCE). */
  readonly audience: string;
  /** Browser origins allowed by CORS, exactly. */
  readonly corsOrigins: readonly string[];
}

const composeUpstreams = {
  auth: { host: "auth", port: 8080 },
  config: { host: "config", port: 8080 },
  schema: { host: "schema", port: 8080 },
  cluster: { host: "cluster", port: 8080 },
  ratelimit: { host: "ratelimit", port: 8081 },
} as const;

/** docker-compose.yml: everything on one network, consoles on localhost. */
export const composeProfile: GatewayProfile = {
  name: "compose",
  output: "envoy/envoy.yaml",
  publicPort: 8080,
  metricsPort: 9902,
  upstreams: composeUpstreams,
  console: { host: "console", port: 8080 },
  keycloak: { host: "keycloak", port: 8080, tls: false },
  otelCollector: { host: "otel-collector", port: 4317 },
  issuers: {
    // KC_HOSTNAME makes Keycloak issue tokens for the URL a browser uses.
    keycloak: {
      issuer: "http://localhost:8180/realms/guardian",
      jwksUri: "http://keycloak:8080/realms/guardian/protocol/openid-connect/certs",
      cluster: "keycloak",
    },
    // GUARDIAN_ISSUER_URL: the public URL of this gateway.
    guardian: {
      issuer: "http://localhost:8080",
      jwksUri: "http://auth:8080/.well-known/jwks.json",
      cluster: "auth",
    },
  },
  audience: "guardian",
  corsOrigins: ["http://localhost:3000", "http://localhost:5173"],
};

/** deploy/k8s: Services named like the compose services, Keycloak outside the cluster. */
export const k8sProfile: GatewayProfile = {
  name: "k8s",
  output: "deploy/k8s/envoy/envoy.yaml",
  publicPort: 8080,
  metricsPort: 9902,
  upstreams: composeUpstreams,
  console: { host: "console", port: 8080 },
  keycloak: { host: "sso.example.com", port: 443, tls: true },
  otelCollector: { host: "otel-collector", port: 4317 },
  issuers: {
    keycloak: {
      issuer: "https://sso.example.com/realms/guardian",
      jwksUri: "https://sso.example.com/realms/guardian/protocol/openid-connect/certs",
      cluster: "keycloak",
    },
    guardian: {
      issuer: "https://guardian.example.com",
      jwksUri: "http://auth:8080/.well-known/jwks.json",
      cluster: "auth",
    },
  },
  audience: "guardian",
  corsOrigins: ["https://console.guardian.example.com"],
};

/** Every profile the generator writes. */
export const profiles: readonly GatewayProfile[] = [composeProfile, k8sProfile];
