import type { FileRegistry } from "@bufbuild/protobuf";
import { defaultStreamKeepaliveMs } from "@guardian/cluster-service";
import { maxBookmarkIntervalMs } from "@guardian/config-service";
import { stringify } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { buildBootstrap } from "./bootstrap.js";
import { profiles } from "./profiles.js";
import { buildEnvoyRegistry } from "./protos.js";
import { streamIdleTimeoutSeconds } from "./routes.js";
import { gatewayRpcs } from "./rpcs.js";
import { checkGateway, parseEnvoyYaml } from "./validate.js";

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const rpcs = gatewayRpcs();
const streams = rpcs.filter((r) => r.kind === "stream");

/**
 * The longest each streaming RPC stays silent while nothing happens. A new streaming RPC
 * fails the test below until it is listed here with what it sends while idle.
 */
const longestSilenceMs: Readonly<Record<string, number>> = {
  "/guardian.config.v1.ConfigService/Watch": maxBookmarkIntervalMs,
  "/guardian.cluster.v1.ClusterService/Campaign": defaultStreamKeepaliveMs,
  "/guardian.cluster.v1.ClusterService/Observe": defaultStreamKeepaliveMs,
  "/guardian.cluster.v1.ClusterService/WatchInstances": defaultStreamKeepaliveMs,
};

let registry: FileRegistry;

beforeAll(async () => {
  registry = await buildEnvoyRegistry();
});

describe.each(profiles)("streams in the $name gateway config", (profile) => {
  const doc = (): Doc => JSON.parse(JSON.stringify(buildBootstrap(profile, rpcs))) as Doc;
  const routes = (d: Doc): Doc[] =>
    d["static_resources"].listeners[0].filter_chains[0].filters[0].typed_config.route_config
      .virtual_hosts[0].routes;
  const clusters = (d: Doc): Doc[] => d["static_resources"].clusters;
  const problemsAfter = (change: (d: Doc) => void): string[] => {
    const d = doc();
    change(d);
    return checkGateway(parseEnvoyYaml(stringify(d), registry), rpcs);
  };

  it("sends something on every streaming route well within its idle timeout", () => {
    expect(streams.map((r) => r.path).sort()).toEqual(Object.keys(longestSilenceMs).sort());
    const byPath = new Map(routes(doc()).map((r) => [r["match"].path as string, r["route"]]));
    for (const rpc of streams) {
      const idle = byPath.get(rpc.path).idle_timeout as string;
      expect(idle, rpc.path).toBe(`${streamIdleTimeoutSeconds}s`);
      // At most half the idle timeout: a late timer or a busy process still has room.
      expect(longestSilenceMs[rpc.path]! * 2, rpc.path).toBeLessThanOrEqual(
        streamIdleTimeoutSeconds * 1000,
      );
    }
  });

  it("routes streaming RPCs to stream clusters of the same replicas, unary RPCs to the service's", () => {
    const byPath = new Map(routes(doc()).map((r) => [r["match"].path as string, r["route"]]));
    expect(byPath.get("/guardian.config.v1.ConfigService/Watch").cluster).toBe("config_streams");
    expect(byPath.get("/guardian.cluster.v1.ClusterService/Observe").cluster).toBe(
      "cluster_streams",
    );
    expect(byPath.get("/guardian.config.v1.ConfigService/GetConfig").cluster).toBe("config");
    const byName = new Map(clusters(doc()).map((c) => [c["name"] as string, c]));
    for (const base of ["config", "cluster"]) {
      const unary = byName.get(base)!;
      const streaming = byName.get(`${base}_streams`)!;
      expect(streaming["load_assignment"].endpoints).toEqual(unary["load_assignment"].endpoints);
      expect(streaming["health_checks"]).toEqual(unary["health_checks"]);
      const [s] = streaming["circuit_breakers"].thresholds;
      const [u] = unary["circuit_breakers"].thresholds;
      expect(s.retry_budget).toBeUndefined();
      expect(s.max_retries).toBe(0);
      expect(s.max_requests).toBeGreaterThan(u.max_requests);
      expect(u.retry_budget).toBeDefined();
    }
    // Services without streaming RPCs get no stream cluster.
    expect(byName.has("auth_streams")).toBe(false);
    expect(byName.has("schema_streams")).toBe(false);
  });

  it("passes the cross-checks, which catch a stream on the unary cluster or a stream cluster that retries", () => {
    expect(checkGateway(parseEnvoyYaml(stringify(doc()), registry), rpcs)).toEqual([]);
    const problems = problemsAfter((d) => {
      const watch = routes(d).find(
        (r) => r["match"].path === "/guardian.config.v1.ConfigService/Watch",
      )!;
      watch["route"].cluster = "config";
      const streaming = clusters(d).find((c) => c["name"] === "cluster_streams")!;
      streaming["circuit_breakers"].thresholds[0].retry_budget = {
        budget_percent: { value: 20 },
      };
      delete streaming["circuit_breakers"].thresholds[0].max_retries;
      streaming["circuit_breakers"].thresholds[0].max_requests = 10;
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        "/guardian.config.v1.ConfigService/Watch routes to config, not config_streams",
        "stream cluster cluster_streams must have one threshold without a retry budget",
        "stream cluster cluster_streams must allow no retries",
        "stream cluster cluster_streams must allow more requests than cluster",
      ]),
    );
  });
});
