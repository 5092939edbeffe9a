import {
  fromJson,
  toJson,
  type FileRegistry,
  type JsonObject,
  type JsonValue,
} from "@bufbuild/protobuf";
import { parse } from "yaml";
import { metricsPaths } from "./bootstrap.js";
import { checkConsoleRoutes } from "./check-console.js";
import { adminCluster, adminEndpoint, healthServices } from "./clusters.js";
import { httpFilterOrder } from "./http-filters.js";
import { checkServiceCluster, checkStreamClusters } from "./check-clusters.js";
import { internalServices, type GatewayRpc } from "./rpcs.js";

const bootstrapType = "envoy.config.bootstrap.v3.Bootstrap";

/**
 * Parses Envoy YAML strictly against the v3 API: unknown fields, wrong types, unknown enum
 * values, malformed durations and `@type` URLs missing from the registry all throw. Returns
 * the config as canonical proto JSON (camelCase names, `Any` expanded, defaults omitted), the
 * shape {@link checkGateway} reads.
 */
export function parseEnvoyYaml(text: string, registry: FileRegistry): JsonObject {
  const schema = registry.getMessage(bootstrapType);
  if (schema === undefined) {
    throw new Error(`${bootstrapType} is not in the registry`);
  }
  const message = fromJson(schema, parse(text) as JsonValue, { registry });
  return toJson(schema, message, { registry }) as JsonObject;
}

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Every value under a key named `key` anywhere in the tree, with its path. */
function collect(node: unknown, key: string, path = ""): { path: string; value: unknown }[] {
  if (Array.isArray(node)) {
    return node.flatMap((v, i) => collect(v, key, `${path}[${i}]`));
  }
  if (typeof node !== "object" || node === null) {
    return [];
  }
  return Object.entries(node).flatMap(([k, v]) => [
    ...(k === key ? [{ path: `${path}.${k}`, value: v }] : []),
    ...collect(v, key, `${path}.${k}`),
  ]);
}

function hcmOf(listener: Obj): Obj {
  const filters = arr(obj(arr(listener["filterChains"])[0])["filters"]);
  return obj(
    obj(filters.find((f) => obj(f)["name"] === "envoy.filters.network.http_connection_manager"))[
      "typedConfig"
    ],
  );
}

function routesOf(hcm: Obj): Obj[] {
  return arr(obj(hcm["routeConfig"])["virtualHosts"]).flatMap((vh) =>
    arr(obj(vh)["routes"]).map(obj),
  );
}

/** Whether a route's match covers `path` (path, prefix and safe_regex matches). */
function matches(match: Obj, path: string): boolean {
  const exact = str(match["path"]);
  const prefix = str(match["prefix"]);
  const regex = str(obj(match["safeRegex"])["regex"]);
  return (
    (exact !== undefined && exact === path) ||
    (prefix !== undefined && path.startsWith(prefix)) ||
    (regex !== undefined && new RegExp(`^(?:${regex})$`).test(path))
  );
}

function addressOf(node: unknown): string {
  const s = obj(obj(node)["socketAddress"]);
  return `${str(s["address"]) ?? "?"}:${String(s["portValue"] ?? 0)}`;
}

/**
 * What a JWT requirement demands: `none` (no rule requirement), `optional` (a valid JWT or
 * none at all), `required` (a valid JWT of a listed provider) or `other`.
 */
export function requirementKind(requires: unknown): "none" | "optional" | "required" | "other" {
  if (requires === undefined) return "none";
  const r = obj(requires);
  if (str(r["providerName"]) !== undefined) return "required";
  const anyOf = arr(obj(r["requiresAny"])["requirements"]).map(obj);
  if (anyOf.length === 0) return "other";
  const providers = anyOf.filter((x) => str(x["providerName"]) !== undefined).length;
  const missing = anyOf.filter((x) => x["allowMissing"] !== undefined).length;
  if (providers === anyOf.length) return "required";
  if (providers > 0 && missing === 1 && providers + missing === anyOf.length) return "optional";
  return "other";
}

const wantedKind = { public: "none", api_key: "optional", jwt: "required" } as const;

/**
 * Cross-checks a parsed gateway config (from {@link parseEnvoyYaml}) against Guardian's
 * rules and the RPC list; returns every problem found (empty when the config is sound):
 * references to clusters that do not exist, the admin interface off loopback, the metrics
 * listener serving more than stats and readiness, the public filter order, a route and JWT
 * rule for every RPC with the right cluster, timeout and retries, no route to internal
 * services, the web console's routes after them, and resilience settings on every service
 * cluster.
 */
export function checkGateway(config: JsonObject, rpcs: readonly GatewayRpc[]): string[] {
  const problems: string[] = [];
  const statics = obj(config["staticResources"]);
  const clusters = arr(statics["clusters"]).map(obj);
  const clusterNames = new Set(clusters.map((c) => str(c["name"]) ?? ""));
  if (clusterNames.size !== clusters.length) {
    problems.push("cluster names are not unique");
  }

  // Every reference to a cluster (routes, JWKS, gRPC services of filters and tracers).
  for (const key of ["cluster", "clusterName"]) {
    for (const ref of collect(statics, key)) {
      if (typeof ref.value === "string" && !clusterNames.has(ref.value)) {
        problems.push(`${ref.path} refers to unknown cluster ${ref.value}`);
      }
    }
  }

  const admin = addressOf(obj(config["admin"])["address"]);
  if (admin !== `${adminEndpoint.host}:${adminEndpoint.port}`) {
    problems.push(`admin must listen on ${adminEndpoint.host}:${adminEndpoint.port}, not ${admin}`);
  }

  const listeners = arr(statics["listeners"]).map(obj);
  const byName = new Map(listeners.map((l) => [str(l["name"]) ?? "", l]));
  for (const l of listeners) {
    if (addressOf(l["address"]).endsWith(`:${adminEndpoint.port}`)) {
      problems.push(`listener ${String(l["name"])} uses the admin port`);
    }
  }
  const publicListener = byName.get("public");
  const metrics = byName.get("metrics");
  if (publicListener === undefined || metrics === undefined) {
    problems.push("expected listeners named public and metrics");
    return problems;
  }
  if (!addressOf(publicListener["address"]).startsWith("0.0.0.0:")) {
    problems.push("the public listener must bind 0.0.0.0");
  }
  problems.push(...checkMetricsListener(hcmOf(metrics)));

  const hcm = hcmOf(publicListener);
  // AUTO is the default, which canonical JSON omits.
  if ((hcm["codecType"] ?? "AUTO") !== "AUTO") {
    problems.push("the public listener must use codec_type AUTO (HTTP/1.1 and h2)");
  }
  const order = arr(hcm["httpFilters"]).map((f) => str(obj(f)["name"]));
  if (JSON.stringify(order) !== JSON.stringify(httpFilterOrder)) {
    problems.push(
      `public HTTP filters must be ${httpFilterOrder.join(" → ")}, got ${order.join(" → ")}`,
    );
  }
  problems.push(...checkRoutes(routesOf(hcm), rpcs));
  problems.push(...checkJwtRules(hcm, rpcs));
  problems.push(...checkConsoleRoutes(routesOf(hcm), jwtRulesOf(hcm), rpcs));
  for (const c of clusters) {
    const name = str(c["name"]) ?? "";
    if (healthServices[name] !== undefined) problems.push(...checkServiceCluster(c, name));
  }
  problems.push(...checkStreamClusters(clusters, rpcs));
  return problems;
}

function checkMetricsListener(hcm: Obj): string[] {
  const problems: string[] = [];
  const filters = arr(hcm["httpFilters"]).map((f) => str(obj(f)["name"]));
  if (JSON.stringify(filters) !== JSON.stringify(["envoy.filters.http.router"])) {
    problems.push("the metrics listener must only route");
  }
  for (const route of routesOf(hcm)) {
    const match = obj(route["match"]);
    const cluster = str(obj(route["route"])["cluster"]);
    if (route["route"] !== undefined) {
      const path = str(match["path"]);
      if (
        path === undefined ||
        !(metricsPaths as readonly string[]).includes(path) ||
        cluster !== adminCluster
      ) {
        problems.push(
          `the metrics listener may only forward ${metricsPaths.join(" and ")} to the admin cluster`,
        );
      }
    } else if (route["directResponse"] === undefined) {
      problems.push("the metrics listener may only forward or answer directly");
    }
  }
  return problems;
}

function checkRoutes(routes: Obj[], rpcs: readonly GatewayRpc[]): string[] {
  const problems: string[] = [];
  for (const rpc of rpcs) {
    const route = routes.find((r) => matches(obj(r["match"]), rpc.path));
    const action = obj(route?.["route"]);
    if (route === undefined || str(obj(route["match"])["path"]) !== rpc.path) {
      problems.push(`${rpc.path} has no exact route`);
      continue;
    }
    if (action["cluster"] !== rpc.cluster) {
      problems.push(`${rpc.path} routes to ${String(action["cluster"])}, not ${rpc.cluster}`);
    }
    const retryOn = str(obj(action["retryPolicy"])["retryOn"]);
    if (rpc.kind === "stream") {
      if (action["timeout"] !== "0s") problems.push(`stream ${rpc.path} must have timeout 0s`);
      if (action["retryPolicy"] !== undefined) problems.push(`stream ${rpc.path} must not retry`);
    } else if (rpc.kind === "write") {
      if (retryOn !== "connect-failure,refused-stream") {
        problems.push(
          `write ${rpc.path} may retry only on connect-failure,refused-stream, not ${retryOn}`,
        );
      }
    } else {
      for (const on of ["connect-failure", "refused-stream", "reset"]) {
        if (!(retryOn ?? "").split(",").includes(on))
          problems.push(`read ${rpc.path} must retry on ${on}`);
      }
    }
  }
  for (const service of internalServices) {
    const probe = `/${service}/Any`;
    if (routes.some((r) => matches(obj(r["match"]), probe))) {
      problems.push(`internal service ${service} has a public route`);
    }
  }
  return problems;
}

function jwtFilterOf(hcm: Obj): Obj {
  const filters = arr(hcm["httpFilters"]);
  return obj(
    obj(filters.find((f) => obj(f)["name"] === "envoy.filters.http.jwt_authn"))["typedConfig"],
  );
}

function jwtRulesOf(hcm: Obj): Obj[] {
  return arr(jwtFilterOf(hcm)["rules"]).map(obj);
}

function checkJwtRules(hcm: Obj, rpcs: readonly GatewayRpc[]): string[] {
  const problems: string[] = [];
  const jwt = jwtFilterOf(hcm);
  const rules = jwtRulesOf(hcm);
  for (const rpc of rpcs) {
    const rule = rules.find((r) => matches(obj(r["match"]), rpc.path));
    const got = rule === undefined ? "none" : requirementKind(rule["requires"]);
    if (got !== wantedKind[rpc.auth]) {
      problems.push(
        `${rpc.path} (${rpc.auth}) must have JWT requirement ${wantedKind[rpc.auth]}, has ${got}`,
      );
    }
  }
  for (const [name, provider] of Object.entries(obj(jwt["providers"]))) {
    if (obj(provider)["payloadInMetadata"] === undefined || obj(provider)["forward"] !== true) {
      problems.push(`JWT provider ${name} must forward the token and put its payload in metadata`);
    }
  }
  return problems;
}
