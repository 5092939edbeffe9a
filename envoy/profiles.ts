import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseEnvironment } from "./environment.js";
import { repoRoot } from "./protos.js";

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
 * The deployment-specific values of one generated gateway config, as an environment file
 * holds them (see {@link parseEnvironment}): addresses, issuers, origins, how the client's
 * address is found, and edge TLS. Everything else (filters, routes, resilience) is the same
 * for every environment.
 */
export interface GatewayEnvironment {
  /** Short name, for messages and tests. */
  readonly name: string;
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
  /**
   * How Envoy finds the client's address (`use_remote_address`, `xff_num_trusted_hops`):
   * with Envoy at the edge, the connection's peer and no trusted `x-forwarded-for` hop.
   */
  readonly clientAddress: {
    readonly useRemoteAddress: boolean;
    readonly xffNumTrustedHops: number;
  };
  /** When set, the public listener terminates TLS with this certificate and key (PEM files). */
  readonly tls?: { readonly certificateChain: string; readonly privateKey: string };
}

/** An environment together with the files it is read from and generated into. */
export interface GatewayProfile extends GatewayEnvironment {
  /** The environment file, relative to the repository root (or as given). */
  readonly environment: string;
  /** Where the generated file goes, relative to the repository root (or as given). */
  readonly output: string;
}

/** Reads an environment file (a path relative to the repository root, or absolute). */
export function loadProfile(environment: string, output: string): GatewayProfile {
  const text = readFileSync(resolve(repoRoot, environment), "utf8");
  return { ...parseEnvironment(text, environment), environment, output };
}

/** docker-compose.yml: everything on one network, the console on Envoy's origin. */
export const composeProfile = loadProfile("envoy/environment.yaml", "envoy/envoy.yaml");

/** deploy/k8s: Services named like the compose services, Keycloak outside the cluster. */
export const k8sProfile = loadProfile(
  "deploy/k8s/envoy/environment.yaml",
  "deploy/k8s/envoy/envoy.yaml",
);

/** Every profile the generator writes when called without `--env`. */
export const profiles: readonly GatewayProfile[] = [composeProfile, k8sProfile];
