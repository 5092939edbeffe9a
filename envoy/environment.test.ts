import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { FileRegistry } from "@bufbuild/protobuf";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBootstrap } from "./bootstrap.js";
import { parseEnvironment } from "./environment.js";
import { composeProfile, k8sProfile } from "./profiles.js";
import { buildEnvoyRegistry, repoRoot } from "./protos.js";
import { gatewayRpcs } from "./rpcs.js";
import { checkGateway, parseEnvoyYaml } from "./validate.js";

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const run = promisify(execFile);
const publicChain = (profile: typeof k8sProfile): Doc =>
  (buildBootstrap(profile) as Doc)["static_resources"].listeners[0].filter_chains[0];

let k8sText: string;

beforeAll(async () => {
  k8sText = await readFile(join(repoRoot, k8sProfile.environment), "utf8");
});

/** The k8s environment with one change, as the text of a file. */
function k8sWith(change: (d: Doc) => void): string {
  const d = parse(k8sText) as Doc;
  change(d);
  return stringify(d);
}

describe("the shipped environment files", () => {
  it("give Kubernetes edge TLS from the guardian-edge-tls mount, no CORS origins, and the client's own address", () => {
    expect(k8sProfile.tls).toEqual({
      certificateChain: "/etc/envoy-tls/tls.crt",
      privateKey: "/etc/envoy-tls/tls.key",
    });
    expect(k8sProfile.corsOrigins).toEqual([]);
    expect(k8sProfile.clientAddress).toEqual({ useRemoteAddress: true, xffNumTrustedHops: 0 });
    const chain = publicChain(k8sProfile);
    const tls = chain["transport_socket"].typed_config;
    expect(tls.common_tls_context.alpn_protocols).toEqual(["h2", "http/1.1"]);
    expect(tls.common_tls_context.tls_certificates).toEqual([
      {
        certificate_chain: { filename: "/etc/envoy-tls/tls.crt" },
        private_key: { filename: "/etc/envoy-tls/tls.key" },
      },
    ]);
    const hcm = chain["filters"][0].typed_config;
    expect(hcm.use_remote_address).toBe(true);
    expect(hcm.xff_num_trusted_hops).toBe(0);
  });

  it("keep docker-compose on plain HTTP with its development origins", () => {
    expect(composeProfile.tls).toBeUndefined();
    expect(publicChain(composeProfile)["transport_socket"]).toBeUndefined();
    expect(composeProfile.corsOrigins).toEqual(["http://localhost:3000", "http://localhost:5173"]);
  });

  it("are read as JSON too", () => {
    const json = JSON.stringify(parse(k8sText));
    expect(parseEnvironment(json, "env.json")).toEqual(parseEnvironment(k8sText, "env.yaml"));
  });
});

describe("a malformed environment file", () => {
  const fails = (text: string) => () => parseEnvironment(text, "prod.yaml");

  it("is refused with the file and the field named", () => {
    expect(fails(k8sWith((d) => (d["upstreams"].config.port = 70_000)))).toThrow(
      "prod.yaml: upstreams.config.port must be an integer from 1 to 65535",
    );
    expect(fails(k8sWith((d) => delete d["audience"]))).toThrow("prod.yaml: audience is required");
    expect(fails(k8sWith((d) => delete d["upstreams"].schema))).toThrow(
      "prod.yaml: upstreams.schema is required",
    );
    expect(fails(k8sWith((d) => (d["corsOrigins"] = ["https://a.example.com/path"])))).toThrow(
      "prod.yaml: corsOrigins[0] must be an origin",
    );
    expect(fails(k8sWith((d) => (d["tls"].privateKey = "tls.key")))).toThrow(
      "prod.yaml: tls.privateKey must be an absolute path",
    );
    expect(fails(k8sWith((d) => (d["clientAddress"].useRemoteAddress = "yes")))).toThrow(
      "prod.yaml: clientAddress.useRemoteAddress must be true or false",
    );
    expect(fails(k8sWith((d) => (d["issuers"].guardian.cluster = "nowhere")))).toThrow(
      "prod.yaml: issuers.guardian.cluster must be one of keycloak, auth, config, schema, cluster",
    );
  });

  it("is refused for a field the generator does not know, or text that is not YAML", () => {
    expect(fails(k8sWith((d) => (d["keycloak"].realm = "x")))).toThrow(
      "prod.yaml: keycloak.realm is not a known field",
    );
    expect(fails(k8sWith((d) => (d["corsOrigin"] = [])))).toThrow(
      "prod.yaml: corsOrigin is not a known field",
    );
    expect(fails("name: [unclosed")).toThrow(/prod.yaml: not YAML or JSON/);
    expect(fails("- a list")).toThrow("prod.yaml: the file must be a mapping");
  });
});

describe("pnpm envoy:generate --env … --out …", () => {
  let dir: string;
  let registry: FileRegistry;
  const generate = (...args: string[]) =>
    run(join(repoRoot, "node_modules/.bin/tsx"), ["envoy/generate.ts", ...args], {
      cwd: repoRoot,
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "guardian-envoy-env-"));
    registry = await buildEnvoyRegistry();
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes a strictly valid config for an environment of one's own, and checks it", async () => {
    const env = join(dir, "environment.yaml");
    const out = join(dir, "envoy.yaml");
    await writeFile(
      env,
      k8sWith((d) => {
        d["name"] = "staging";
        d["issuers"].guardian.issuer = "https://guardian.staging.example.net";
        d["corsOrigins"] = ["https://tools.staging.example.net"];
        delete d["tls"];
      }),
    );
    await generate("--env", env, "--out", out);
    const text = await readFile(out, "utf8");
    expect(text).toContain(`# GENERATED by envoy/generate.ts from ${env}`);
    const config = parseEnvoyYaml(text, registry);
    expect(checkGateway(config, gatewayRpcs())).toEqual([]);
    expect(text).toContain("issuer: https://guardian.staging.example.net");
    expect(text).toContain("exact: https://tools.staging.example.net");
    const chain = (parse(text) as Doc)["static_resources"].listeners[0].filter_chains[0];
    expect(chain.transport_socket).toBeUndefined();
    await generate("--env", env, "--out", out, "--check");
    await writeFile(out, `${text}# edited\n`);
    await expect(generate("--env", env, "--out", out, "--check")).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("is out of date"),
    });
  }, 60_000);

  it("stops with the field named when the environment is malformed", async () => {
    const env = join(dir, "broken.yaml");
    await writeFile(
      env,
      k8sWith((d) => (d["metricsPort"] = "9902")),
    );
    await expect(generate("--env", env, "--out", join(dir, "never.yaml"))).rejects.toMatchObject({
      code: 2,
      stderr: `${env}: metricsPort must be an integer from 1 to 65535\n`,
    });
  }, 60_000);
});
