import { join } from "node:path";
import { descriptorKeys, parseLimits } from "@guardian/ratelimit-service";
import { beforeAll, describe, expect, it } from "vitest";
import { composeProfile } from "../envoy/profiles.js";
import { rateLimitDomain } from "../envoy/http-filters.js";
import {
  composeDefaults,
  dockerfileImages,
  envoyEndpoints,
  guardianVariables,
  isPinnedImage,
  ratelimitVariables,
  readRepoFile,
  repoPathExists,
  settingProblem,
} from "./checks.js";
import { parseComposeText } from "./compose-spec.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- compose files are free-form YAML */
type Service = Record<string, any>;

let services: Record<string, Service>;

beforeAll(async () => {
  const text = await readRepoFile("docker-compose.yml");
  services = (parseComposeText(text) as { services: Record<string, Service> }).services;
});

const guardianImage = /^guardian\/guardian:/;
/** The restart policies of a job that ends: never restarted, or only after failing. */
const oneShot = /^(no|on-failure(:\d+)?)$/;
const ratelimitImage = /^guardian\/ratelimit:/;
/** Services built from this repository, with the port variable they read. */
const guardianServices = () =>
  Object.entries(services).filter(
    ([name, s]) =>
      (guardianImage.test(s["image"]) || ratelimitImage.test(s["image"])) && name !== "migrate",
  );
const portVariable = (s: Service) =>
  ratelimitImage.test(s["image"]) ? "GUARDIAN_RATELIMIT_PORT" : "GUARDIAN_PORT";
const envOf = (s: Service): Record<string, string> =>
  (s["environment"] as Record<string, string>) ?? {};
/** Variables of Guardian's own without the GUARDIAN_ prefix (DATABASE_URL, REDIS_URL, …). */
const allServiceVariables = new Set(
  [...guardianVariables(), ...ratelimitVariables()].filter((v) => !v.startsWith("GUARDIAN_")),
);

describe("docker-compose.yml", () => {
  it("runs every part of the production topology", () => {
    for (const name of [
      "postgres",
      "redis",
      "etcd-1",
      "etcd-2",
      "etcd-3",
      "keycloak",
      "migrate",
      "auth",
      "config",
      "schema",
      "cluster",
      "store",
      "ratelimit",
      "console",
      "envoy",
      "prometheus",
      "grafana",
      "otel-collector",
      "jaeger",
    ]) {
      expect(services, name).toHaveProperty(name);
    }
    expect(services["config"]?.["deploy"]?.replicas).toBe(2);
    expect(services["store"]?.["deploy"]?.replicas).toBe(2);
    expect(services["migrate"]?.["command"]).toEqual(["migrate"]);
    expect(services["migrate"]?.["restart"]).toMatch(oneShot);
  });

  it("pins every image, in the compose file and the Dockerfile", async () => {
    for (const [name, s] of Object.entries(services)) {
      expect(isPinnedImage(String(s["image"])), `${name}: ${s["image"]}`).toBe(true);
    }
    const { images } = dockerfileImages(await readRepoFile("deploy/docker/Dockerfile"));
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(isPinnedImage(image), image).toBe(true);
  });

  it("builds from contexts, Dockerfiles and stages that exist", async () => {
    const dockerfile = await readRepoFile("deploy/docker/Dockerfile");
    const { stages } = dockerfileImages(dockerfile);
    for (const [name, s] of Object.entries(services)) {
      const build = s["build"];
      if (build === undefined) continue;
      expect(await repoPathExists(build.context), `${name} context`).toBe(true);
      expect(
        await repoPathExists(join(build.context, build.dockerfile)),
        `${name} dockerfile`,
      ).toBe(true);
      expect(stages, `${name} target`).toContain(build.target);
    }
  });

  it("mounts only files and folders that exist in the repository", async () => {
    for (const [name, s] of Object.entries(services)) {
      for (const volume of (s["volumes"] as string[] | undefined) ?? []) {
        const source = volume.split(":")[0] ?? "";
        if (!source.startsWith("./")) continue;
        expect(await repoPathExists(source), `${name}: ${volume}`).toBe(true);
      }
    }
  });

  it("publishes ports only for Envoy and the consoles", () => {
    const publishing = Object.entries(services)
      .filter(([, s]) => s["ports"] !== undefined)
      .map(([name]) => name)
      .sort();
    expect(publishing).toEqual(["envoy", "grafana", "jaeger", "keycloak", "prometheus"]);
    expect(services["envoy"]?.["ports"]).toEqual([
      `${composeProfile.publicPort}:${composeProfile.publicPort}`,
    ]);
    expect(services["envoy"]?.["volumes"]).toContain(
      `./${composeProfile.output}:/etc/envoy/envoy.yaml:ro`,
    );
  });

  it("validates the Envoy configs in CI with the Envoy release compose runs", async () => {
    const workflow = await readRepoFile(".github/workflows/envoy-validate.yml");
    expect(workflow).toContain(String(services["envoy"]?.["image"]));
    expect(workflow).toContain("envoy --mode validate -c");
    for (const config of [composeProfile.output, "deploy/k8s/envoy/envoy.yaml"]) {
      expect(workflow).toContain(`- ${config}`);
    }
  });

  it("gives every Guardian service a health check on its own port, which Envoy targets too", async () => {
    const endpoints = await envoyEndpoints(composeProfile.output);
    expect(
      guardianServices()
        .map(([name]) => name)
        .sort(),
    ).toEqual(["auth", "cluster", "config", "console", "ratelimit", "schema", "store", "worker"]);
    for (const [name, s] of guardianServices()) {
      const port = envOf(s)[portVariable(s)];
      expect(port, `${name} ${portVariable(s)}`).toMatch(/^\d+$/);
      expect(s["expose"], name).toEqual([port]);
      expect(JSON.stringify(s["healthcheck"]?.test), name).toContain(`127.0.0.1:${port}/readyz`);
      const upstream = endpoints.get(name);
      if (name !== "store" && name !== "worker") {
        expect(upstream, `envoy cluster ${name}`).toEqual({ host: name, port: Number(port) });
      } else {
        expect(upstream, `${name} has no gateway cluster`).toBeUndefined();
      }
    }
  });

  it("sets only variables Guardian reads on Guardian services, with values it accepts", () => {
    const guardian = guardianVariables();
    const ratelimit = ratelimitVariables();
    for (const [name, s] of [...guardianServices(), ["migrate", services["migrate"]] as const]) {
      const allowed = ratelimitImage.test(s?.["image"]) ? ratelimit : guardian;
      for (const variable of Object.keys(envOf(s!))) {
        expect(allowed.has(variable), `${name}: ${variable} is not a variable Guardian reads`).toBe(
          true,
        );
      }
    }
    // Every GUARDIAN_* variable anywhere, with its defaults in place, reads as a setting.
    for (const [name, s] of Object.entries(services)) {
      for (const [variable, value] of Object.entries(envOf(s))) {
        if (!variable.startsWith("GUARDIAN_") && !allServiceVariables.has(variable)) continue;
        const problem = settingProblem(variable, composeDefaults(value));
        expect(problem, `${name}: ${variable}=${value}`).toBeUndefined();
      }
    }
  });

  it("runs every Guardian container as the image's one node process", () => {
    for (const [name, s] of Object.entries(services)) {
      if (!guardianImage.test(s["image"]) && !ratelimitImage.test(s["image"])) continue;
      expect(s["entrypoint"], `${name} keeps the image's entrypoint`).toBeUndefined();
      if (ratelimitImage.test(s["image"])) expect(s["command"], name).toBeUndefined();
      else expect(["serve", "migrate"], name).toContain(s["command"]?.[0]);
    }
  });

  it("gives etcd a backend quota and leaves compaction to Guardian", () => {
    for (const [name, s] of Object.entries(services)) {
      const settings = [...((s["command"] as string[]) ?? []), ...Object.keys(envOf(s))];
      expect(settings.join(" "), name).not.toMatch(/auto-compaction|AUTO_COMPACTION/);
    }
    for (const name of ["etcd-1", "etcd-2", "etcd-3"]) {
      const quota = (services[name]?.["command"] as string[])
        .map((arg) => /^--quota-backend-bytes=(\d+)$/.exec(arg)?.[1])
        .find((v) => v !== undefined);
      expect(Number(quota), name).toBeGreaterThanOrEqual(2 ** 31);
      expect(Number(quota), name).toBeLessThanOrEqual(2 ** 33);
    }
  });

  it("migrates only once PostgreSQL answers over TCP, as the guardian user on its database", () => {
    expect(services["migrate"]?.["depends_on"]?.postgres?.condition).toBe("service_healthy");
    const probe = (services["postgres"]?.["healthcheck"]?.test as string[]).join(" ");
    expect(probe).toMatch(/^CMD pg_isready /);
    expect(probe).toContain("-h 127.0.0.1");
    const env = envOf(services["postgres"]!);
    expect(probe).toContain(`-U ${env["POSTGRES_USER"]} -d ${env["POSTGRES_DB"]}`);
  });

  it("starts services only after what they need is healthy or has completed", () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, spec] of Object.entries(
        (s["depends_on"] as Record<string, Service>) ?? {},
      )) {
        const target = services[dep];
        expect(target, `${name} depends on unknown ${dep}`).toBeDefined();
        expect(["service_healthy", "service_completed_successfully"], `${name} → ${dep}`).toContain(
          spec["condition"],
        );
        if (spec["condition"] === "service_healthy") {
          expect(target?.["healthcheck"], `${dep} needs a healthcheck`).toBeDefined();
        } else {
          expect(target?.["restart"], `${dep} must be a one-shot job`).toMatch(oneShot);
        }
      }
    }
    for (const name of ["auth", "config", "schema", "cluster", "store"]) {
      expect(services[name]?.["depends_on"]?.migrate?.condition).toBe(
        "service_completed_successfully",
      );
    }
  });

  it("keeps issuers consistent between Keycloak, the services and Envoy", () => {
    const keycloak = envOf(services["keycloak"]!);
    const auth = envOf(services["auth"]!);
    expect(services["keycloak"]?.["volumes"]).toContain(
      "./deploy/keycloak/guardian-realm.json:/opt/keycloak/data/import/guardian-realm.json:ro",
    );
    expect(services["keycloak"]?.["command"]).toContain("--import-realm");
    expect(`${keycloak["KC_HOSTNAME"]}/realms/guardian`).toBe(
      composeProfile.issuers.keycloak.issuer,
    );
    expect(keycloak["KC_HOSTNAME_BACKCHANNEL_DYNAMIC"]).toBe("true");
    expect(auth["KEYCLOAK_ISSUER_URL"]).toBe(composeProfile.issuers.keycloak.issuer);
    expect(auth["KEYCLOAK_JWKS_URL"]).toBe(composeProfile.issuers.keycloak.jwksUri);
    expect(auth["GUARDIAN_ISSUER_URL"]).toBe(composeProfile.issuers.guardian.issuer);
    expect(auth["GUARDIAN_ISSUER_URL"]).toBe(`http://localhost:${composeProfile.publicPort}`);
  });

  it("serves the web console built into the image, behind Envoy, trusting the Keycloak of the services", () => {
    const site = services["console"]!;
    expect(site["image"]).toBe(services["auth"]?.["image"]);
    expect(site["build"]).toEqual(services["auth"]?.["build"]);
    expect(site["command"]).toEqual(["serve", "console"]);
    expect(site["ports"]).toBeUndefined();
    expect(site["depends_on"]).toBeUndefined();
    expect(envOf(site)["GUARDIAN_CONSOLE_DIR"]).toBe("/app/packages/console/dist");
    expect(envOf(site)["KEYCLOAK_ISSUER_URL"]).toBe(composeProfile.issuers.keycloak.issuer);
    expect(envOf(site)["DATABASE_URL"]).toBeUndefined();
    expect(services["envoy"]?.["depends_on"]?.console?.condition).toBe("service_healthy");
  });

  it("has Keycloak's public guardian-console client allow the console's origin, with PKCE", async () => {
    const realm = JSON.parse(await readRepoFile("deploy/keycloak/guardian-realm.json")) as any;
    const client = realm.clients.find((c: any) => c.clientId === "guardian-console");
    expect(client).toMatchObject({
      publicClient: true,
      standardFlowEnabled: true,
      implicitFlowEnabled: false,
      attributes: { "pkce.code.challenge.method": "S256" },
    });
    expect(client.secret).toBeUndefined();
    // The console signs in on Envoy's origin and comes back to its page there.
    const origin = composeProfile.issuers.guardian.issuer;
    expect(client.redirectUris).toContain(`${origin}/`);
    expect(client.webOrigins).toContain(origin);
  });

  it("trusts x-forwarded-for exactly one hop deep on services behind Envoy, and nowhere else", async () => {
    const routed = await envoyEndpoints(composeProfile.output);
    for (const [name, s] of Object.entries(services)) {
      if (!guardianImage.test(s["image"]) || name === "migrate") continue;
      const hops = envOf(s)["GUARDIAN_TRUSTED_PROXY_HOPS"] ?? "0";
      expect(hops, name).toBe(routed.has(name) ? "1" : "0");
    }
  });

  it("gives the rate limit service a limits file for Envoy's domain and descriptors", async () => {
    const limits = parseLimits(await readRepoFile("deploy/ratelimit/limits.yaml"));
    expect(limits.domain).toBe(rateLimitDomain);
    expect(limits.descriptors.map((d) => d.key).sort()).toEqual(
      Object.values(descriptorKeys).sort(),
    );
    // The directory is mounted, so a file replaced on the host is seen and reloaded.
    expect(envOf(services["ratelimit"]!)["GUARDIAN_RATELIMIT_CONFIG"]).toBe(
      "/etc/guardian/ratelimit/limits.yaml",
    );
    expect(services["ratelimit"]!["volumes"]).toContain(
      "./deploy/ratelimit:/etc/guardian/ratelimit:ro",
    );
  });
});
