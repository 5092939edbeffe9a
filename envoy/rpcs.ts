import type { DescService } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { getAccess, guardianServices } from "@guardian/api";

/** Who may call an RPC through the gateway, as its `guardian.v1.access` option says. */
export type RpcAuth =
  /** No credentials: no JWT is required (one that is sent anyway is not checked). */
  | "public"
  /** A JWT of a trusted issuer or a project API key (`x-api-key`, checked by the service). */
  | "api_key"
  /** A JWT of a trusted issuer. */
  | "jwt";

/** How the gateway may treat an RPC on failure, from its shape and idempotency level. */
export type RpcKind =
  /** Unary with `idempotency_level = NO_SIDE_EFFECTS`: retried on any safe failure. */
  | "read"
  /** Any other unary call: retried only when it certainly never reached a service. */
  | "write"
  /** A streaming call: no route timeout, never retried. */
  | "stream";

/** One RPC the gateway routes. */
export interface GatewayRpc {
  /** The HTTP path, `/<package.Service>/<Method>`. */
  readonly path: string;
  /** The fully qualified service name. */
  readonly service: string;
  /** The Envoy cluster the route goes to: the service's, or its streams' for a stream. */
  readonly cluster: string;
  readonly auth: RpcAuth;
  readonly kind: RpcKind;
}

/**
 * The Envoy cluster of each public Guardian service. A service missing here (the internal
 * store service) gets no route: it is reachable only from inside the deployment.
 */
export const publicServiceClusters: Readonly<Record<string, string>> = {
  "guardian.auth.v1.AuthService": "auth",
  "guardian.config.v1.ConfigService": "config",
  "guardian.config.v1.WebhookService": "config",
  "guardian.config.v1.JobService": "config",
  "guardian.schema.v1.SchemaService": "schema",
  "guardian.cluster.v1.ClusterService": "cluster",
};

/**
 * The cluster of a service's streaming calls: the same replicas as `cluster`, with circuit
 * breakers of their own, so that long-lived streams neither use up the request cap of unary
 * calls nor inflate their retry budget.
 */
export function streamCluster(cluster: string): string {
  return `${cluster}_streams`;
}

/** Services that never get a public route. */
export const internalServices: readonly string[] = ["guardian.store.v1.StoreService"];

/**
 * Lists every RPC of the public Guardian services with its route class, from the
 * `guardian.v1.access` option and the idempotency level in the protos. Throws when an RPC has
 * no access option or a service is neither public nor internal, so a new service or method
 * cannot slip through unrouted or unguarded.
 */
export function gatewayRpcs(services: readonly DescService[] = guardianServices): GatewayRpc[] {
  const out: GatewayRpc[] = [];
  for (const service of services) {
    const cluster = publicServiceClusters[service.typeName];
    if (cluster === undefined) {
      if (internalServices.includes(service.typeName)) continue;
      throw new Error(`${service.typeName} is neither a public nor an internal service`);
    }
    for (const method of service.methods) {
      const access = getAccess(method);
      if (access === undefined) {
        throw new Error(`${service.typeName}.${method.name} has no guardian.v1.access option`);
      }
      const kind: RpcKind =
        method.methodKind !== "unary"
          ? "stream"
          : method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS
            ? "read"
            : "write";
      out.push({
        path: `/${service.typeName}/${method.name}`,
        service: service.typeName,
        cluster: kind === "stream" ? streamCluster(cluster) : cluster,
        auth: access.public ? "public" : access.allowApiKey ? "api_key" : "jwt",
        kind,
      });
    }
  }
  return out;
}
