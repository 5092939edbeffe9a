import { healthServices } from "./clusters.js";
import { streamCluster, type GatewayRpc } from "./rpcs.js";

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * Cross-checks a service cluster (canonical proto JSON): HTTP/2 upstream, a gRPC health
 * check of `service`'s name, circuit breakers with a retry budget, and outlier detection
 * that ejects on gateway failures. `name` is the cluster's own name, for messages.
 */
export function checkServiceCluster(c: Obj, service: string, name = service): string[] {
  const problems: string[] = [];
  const options = obj(
    obj(c["typedExtensionProtocolOptions"])[
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
    ],
  );
  if (obj(options["explicitHttpConfig"])["http2ProtocolOptions"] === undefined) {
    problems.push(`cluster ${name} must speak HTTP/2 upstream`);
  }
  const grpcHealth = arr(c["healthChecks"]).map(
    (h) => obj(obj(h)["grpcHealthCheck"])["serviceName"],
  );
  if (!grpcHealth.includes(healthServices[service])) {
    problems.push(`cluster ${name} must gRPC-health-check ${healthServices[service] ?? "?"}`);
  }
  const thresholds = arr(obj(c["circuitBreakers"])["thresholds"]).map(obj);
  if (!thresholds.some((t) => t["retryBudget"] !== undefined)) {
    problems.push(`cluster ${name} needs circuit breakers with a retry budget`);
  }
  if (obj(c["outlierDetection"])["enforcingConsecutiveGatewayFailure"] !== 100) {
    problems.push(`cluster ${name} must enforce consecutive gateway failure ejection at 100`);
  }
  return problems;
}

/**
 * Cross-checks the stream clusters: every stream route's cluster is the stream cluster of a service: the service's replicas
 * and health check, circuit breakers without a retry budget, no retries, and a request cap
 * above the unary clusters'.
 */
export function checkStreamClusters(clusters: Obj[], rpcs: readonly GatewayRpc[]): string[] {
  const problems: string[] = [];
  const names = new Set(rpcs.filter((r) => r.kind === "stream").map((r) => r.cluster));
  for (const name of names) {
    const base = Object.keys(healthServices).find((s) => streamCluster(s) === name);
    const c = clusters.find((x) => x["name"] === name);
    if (base === undefined || c === undefined) {
      problems.push(`stream cluster ${name} is not the stream cluster of a service`);
      continue;
    }
    const service = clusters.find((x) => x["name"] === base);
    const endpoints = (x: Obj | undefined) =>
      JSON.stringify(obj(obj(x)["loadAssignment"])["endpoints"]);
    if (endpoints(c) !== endpoints(service)) {
      problems.push(`stream cluster ${name} must reach the replicas of ${base}`);
    }
    problems.push(...checkServiceCluster(c, base, name).filter((p) => !p.includes("budget")));
    const thresholds = arr(obj(c["circuitBreakers"])["thresholds"]).map(obj);
    const unary = arr(obj(obj(service)["circuitBreakers"])["thresholds"]).map(obj);
    const max = (t: Obj[]) => Number(t[0]?.["maxRequests"] ?? 1024);
    if (thresholds.length !== 1 || thresholds[0]?.["retryBudget"] !== undefined) {
      problems.push(`stream cluster ${name} must have one threshold without a retry budget`);
    }
    if ((thresholds[0]?.["maxRetries"] ?? 3) !== 0) {
      problems.push(`stream cluster ${name} must allow no retries`);
    }
    if (max(thresholds) <= max(unary)) {
      problems.push(`stream cluster ${name} must allow more requests than ${base}`);
    }
  }
  return problems;
}
