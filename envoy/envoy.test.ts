import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { FileRegistry, JsonObject } from "@bufbuild/protobuf";
import { parse, stringify } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { renderEnvoyYaml } from "./bootstrap.js";
import { httpFilterOrder } from "./http-filters.js";
import { profiles } from "./profiles.js";
import { buildEnvoyRegistry, repoRoot } from "./protos.js";
import { gatewayRpcs } from "./rpcs.js";
import { checkGateway, parseEnvoyYaml } from "./validate.js";

let registry: FileRegistry;

beforeAll(async () => {
  registry = await buildEnvoyRegistry();
});

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const rpcs = gatewayRpcs();

describe.each(profiles)("the $name gateway config ($output)", (profile) => {
  let text: string;
  let config: JsonObject;
  const doc = (): Doc => parse(text) as Doc;
  const hcm = (d: Doc): Doc =>
    d["static_resources"].listeners[0].filter_chains[0].filters[0].typed_config;
  const routes = (d: Doc): Doc[] => hcm(d)["route_config"].virtual_hosts[0].routes;
  const filter = (d: Doc, name: string): Doc =>
    hcm(d)["http_filters"].find((f: Doc) => f["name"] === `envoy.filters.http.${name}`);
  /** Applies a change to the committed YAML and returns the cross-check problems. */
  const problemsAfter = (change: (d: Doc) => void): string[] => {
    const d = doc();
    change(d);
    return checkGateway(parseEnvoyYaml(stringify(d), registry), rpcs);
  };

  beforeAll(async () => {
    text = await readFile(join(repoRoot, profile.output), "utf8");
    config = parseEnvoyYaml(text, registry);
  });

  it("is exactly what the generator writes (run pnpm envoy:generate)", async () => {
    expect(text).toBe(await renderEnvoyYaml(profile));
  });

  it("parses strictly against the Envoy v3 API and passes every cross-check", () => {
    expect(config["staticResources"]).toBeDefined();
    expect(checkGateway(config, rpcs)).toEqual([]);
  });

  it("binds admin to 127.0.0.1:9901 and the metrics listener to stats and readiness only", () => {
    const d = doc();
    expect(d["admin"].address.socket_address).toEqual({ address: "127.0.0.1", port_value: 9901 });
    const metrics = d["static_resources"].listeners[1];
    expect(metrics.address.socket_address.port_value).toBe(profile.metricsPort);
    const metricRoutes = metrics.filter_chains[0].filters[0].typed_config.route_config
      .virtual_hosts[0].routes as Doc[];
    expect(metricRoutes.map((r) => r["match"].path ?? r["match"].prefix)).toEqual([
      "/stats/prometheus",
      "/ready",
      "/",
    ]);
    expect(metricRoutes[2]?.["direct_response"].status).toBe(404);
  });

  it("runs CORS, gRPC-Web, jwt_authn, local rate limit, rate limit and router in that order", () => {
    expect(hcm(doc())["http_filters"].map((f: Doc) => f["name"])).toEqual([...httpFilterOrder]);
  });

  it("lets a browser read every header a Guardian answer carries for its client", () => {
    const host = hcm(doc())["route_config"].virtual_hosts[0] as Doc;
    const cors = host["typed_per_filter_config"]["envoy.filters.http.cors"] as Doc;
    const exposed = (cors["expose_headers"] as string).split(", ");
    for (const header of ["grpc-status-details-bin", "x-request-id", "retry-after"]) {
      expect(exposed).toContain(header);
    }
    // ReadConfig's stale mark and the ETag of a Connect GET.
    expect(exposed).toContain("guardian-stale");
    expect(exposed).toContain("etag");
  });

  it("routes every public Guardian RPC and nothing of the store service", () => {
    const paths = routes(doc()).map((r) => (r["match"].path ?? r["match"].prefix) as string);
    for (const rpc of rpcs) expect(paths).toContain(rpc.path);
    expect(paths.filter((p) => p.includes("StoreService"))).toEqual([]);
    expect(paths).toContain("/guardian.auth.v1.AuthService/Login");
    expect(paths).toContain("/guardian.config.v1.ConfigService/Watch");
  });

  it("routes the web console's page and assets to the console cluster, after every RPC", () => {
    const all = routes(doc());
    const toConsole = all.filter((r) => r["route"]?.cluster === "console");
    expect(toConsole.map((r) => r["match"])).toEqual([
      { path: "/" },
      { path: "/index.html" },
      { prefix: "/assets/" },
    ]);
    const firstConsole = all.indexOf(toConsole[0]!);
    const lastRpc = Math.max(
      ...rpcs.map((rpc) => all.findIndex((r) => r["match"].path === rpc.path)),
    );
    expect(firstConsole).toBeGreaterThan(lastRpc);
    const cluster = doc()["static_resources"].clusters.find((c: Doc) => c["name"] === "console");
    expect(cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address).toEqual({
      socket_address: { address: "console", port_value: 8080 },
    });
    expect(cluster.health_checks[0].http_health_check.path).toBe("/readyz");
    // The files need no token: the page itself signs in.
    const rules = filter(doc(), "jwt_authn").typed_config.rules as Doc[];
    expect(rules).toContainEqual({ match: { path: "/" } });
    expect(rules).toContainEqual({ match: { prefix: "/assets/" } });
  });

  it("gives streams no timeout and no retries, reads broad retries and writes safe ones", () => {
    const byPath = new Map(routes(doc()).map((r) => [r["match"].path as string, r["route"]]));
    const watch = byPath.get("/guardian.config.v1.ConfigService/Watch");
    expect(watch.timeout).toBe("0s");
    expect(watch.retry_policy).toBeUndefined();
    expect(byPath.get("/guardian.config.v1.ConfigService/GetConfig").retry_policy.retry_on).toBe(
      "connect-failure,refused-stream,reset,retriable-status-codes,unavailable",
    );
    expect(byPath.get("/guardian.config.v1.ConfigService/UpdateConfig").retry_policy.retry_on).toBe(
      "connect-failure,refused-stream",
    );
  });

  it("exempts public RPCs from JWT and accepts a JWT or nothing on API-key RPCs", () => {
    const rules = filter(doc(), "jwt_authn").typed_config.rules as Doc[];
    const ruleOf = (path: string) => rules.find((r) => r["match"].path === path);
    expect(ruleOf("/guardian.auth.v1.AuthService/Login")).toEqual({
      match: { path: "/guardian.auth.v1.AuthService/Login" },
    });
    expect(
      ruleOf("/guardian.config.v1.ConfigService/GetConfig")?.["requires"].requires_any.requirements,
    ).toContainEqual({ allow_missing: {} });
    expect(
      ruleOf("/guardian.config.v1.ConfigService/CreateProject")?.["requires"].requires_any
        .requirements,
    ).toEqual([{ provider_name: "keycloak" }, { provider_name: "guardian" }]);
    // Anything not listed needs a JWT.
    expect(rules.at(-1)).toMatchObject({ match: { prefix: "/" } });
  });

  describe("strict parsing rejects", () => {
    const reject = (change: (d: Doc) => void, message: RegExp) => {
      const d = doc();
      change(d);
      expect(() => parseEnvoyYaml(stringify(d), registry)).toThrow(message);
    };

    it("an unknown field", () => {
      reject((d) => (d["static_resources"].listeners[0].bogus_field = 1), /bogus_field/);
    });

    it("an unknown field inside a typed_config (Any)", () => {
      reject(
        (d) => (filter(d, "jwt_authn").typed_config.providers.keycloak.issuer_url = "x"),
        /issuer_url/,
      );
    });

    it("a wrong type", () => {
      reject((d) => (hcm(d)["use_remote_address"] = "yes"), /expected boolean, got "yes"/);
      reject(
        (d) => (d["admin"].address.socket_address.port_value = "ninety"),
        /port_value|portValue/,
      );
    });

    it("an @type the API does not know", () => {
      reject(
        (d) =>
          (filter(d, "router").typed_config["@type"] =
            "type.googleapis.com/envoy.extensions.filters.http.router.v3.Routr"),
        /Routr/,
      );
    });

    it("an unknown enum value and a malformed duration", () => {
      reject((d) => (hcm(d)["codec_type"] = "AUTOMATIC"), /AUTOMATIC/);
      reject((d) => (routes(d)[1]!["route"].timeout = "15 seconds"), /15 seconds/);
    });
  });

  describe("cross-checks report", () => {
    it("a route to a cluster that does not exist", () => {
      expect(problemsAfter((d) => (routes(d)[1]!["route"].cluster = "nowhere"))).toEqual(
        expect.arrayContaining([expect.stringMatching(/unknown cluster nowhere/)]),
      );
    });

    it("a filter whose cluster does not exist (rate limit service, JWKS)", () => {
      const problems = problemsAfter((d) => {
        d["static_resources"].clusters = d["static_resources"].clusters.filter(
          (c: Doc) => c["name"] !== "ratelimit" && c["name"] !== "keycloak",
        );
      });
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/unknown cluster ratelimit/),
          expect.stringMatching(/unknown cluster keycloak/),
        ]),
      );
    });

    it("filters out of order", () => {
      const problems = problemsAfter((d) => {
        const filters = hcm(d)["http_filters"];
        [filters[0], filters[1]] = [filters[1], filters[0]];
      });
      expect(problems).toEqual(
        expect.arrayContaining([expect.stringMatching(/public HTTP filters must be/)]),
      );
    });

    it("an admin interface off loopback", () => {
      const problems = problemsAfter(
        (d) => (d["admin"].address.socket_address.address = "0.0.0.0"),
      );
      expect(problems).toEqual(
        expect.arrayContaining([expect.stringMatching(/admin must listen on 127.0.0.1:9901/)]),
      );
    });

    it("a route to the store service", () => {
      const problems = problemsAfter((d) =>
        routes(d).push({ match: { prefix: "/guardian.store.v1." }, route: { cluster: "config" } }),
      );
      expect(problems).toEqual(
        expect.arrayContaining([expect.stringMatching(/StoreService has a public route/)]),
      );
    });

    it("a stream with a timeout or retries, a write with unsafe retries", () => {
      const problems = problemsAfter((d) => {
        const byPath = (p: string) => routes(d).find((r) => r["match"].path === p)!["route"];
        byPath("/guardian.config.v1.ConfigService/Watch").timeout = "15s";
        byPath("/guardian.config.v1.ConfigService/Watch").retry_policy = { retry_on: "reset" };
        byPath("/guardian.config.v1.ConfigService/UpdateConfig").retry_policy.retry_on = "5xx";
      });
      expect(problems).toEqual(
        expect.arrayContaining([
          "stream /guardian.config.v1.ConfigService/Watch must have timeout 0s",
          "stream /guardian.config.v1.ConfigService/Watch must not retry",
          "write /guardian.config.v1.ConfigService/UpdateConfig may retry only on connect-failure,refused-stream, not 5xx",
        ]),
      );
    });

    it("a missing route and a JWT rule that does not match the access option", () => {
      const problems = problemsAfter((d) => {
        hcm(d)["route_config"].virtual_hosts[0].routes = routes(d).filter(
          (r) => r["match"].path !== "/guardian.auth.v1.AuthService/WhoAmI",
        );
        const rules = filter(d, "jwt_authn").typed_config.rules as Doc[];
        delete rules.find(
          (r) => r["match"].path === "/guardian.config.v1.ConfigService/DeleteConfig",
        )!["requires"];
      });
      expect(problems).toEqual(
        expect.arrayContaining([
          "/guardian.auth.v1.AuthService/WhoAmI has no exact route",
          "/guardian.config.v1.ConfigService/DeleteConfig (jwt) must have JWT requirement required, has none",
        ]),
      );
    });

    it("console routes before the RPCs, to another cluster, or behind a JWT", () => {
      const problems = problemsAfter((d) => {
        const all = routes(d);
        const assets = all.findIndex((r) => r["match"].prefix === "/assets/");
        all.unshift(...all.splice(assets, 1));
        all.find((r) => r["match"].path === "/index.html")!["route"].cluster = "auth";
        const rules = filter(d, "jwt_authn").typed_config.rules as Doc[];
        rules.find((r) => r["match"].path === "/")!["requires"] = { provider_name: "guardian" };
      });
      expect(problems).toEqual(
        expect.arrayContaining([
          "console path /assets/index-0a1b2c.js must be routed after every RPC",
          "console path /index.html must route to console, not auth",
          "console path / must need no JWT",
        ]),
      );
    });

    it("an RPC path that reaches the console", () => {
      const problems = problemsAfter((d) =>
        routes(d).unshift({ match: { prefix: "/guardian." }, route: { cluster: "console" } }),
      );
      expect(problems).toEqual(
        expect.arrayContaining(["/guardian.auth.v1.AuthService/Login reaches the console"]),
      );
    });

    it("a service cluster without resilience settings", () => {
      const problems = problemsAfter((d) => {
        const auth = d["static_resources"].clusters.find((c: Doc) => c["name"] === "auth");
        delete auth.health_checks;
        delete auth.circuit_breakers;
        auth.outlier_detection.enforcing_consecutive_gateway_failure = 0;
        delete auth.typed_extension_protocol_options;
      });
      expect(problems).toEqual(
        expect.arrayContaining([
          "cluster auth must speak HTTP/2 upstream",
          "cluster auth must gRPC-health-check guardian.auth.v1.AuthService",
          "cluster auth needs circuit breakers with a retry budget",
          "cluster auth must enforce consecutive gateway failure ejection at 100",
        ]),
      );
    });
  });
});
