import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { k8sProfile } from "../envoy/profiles.js";
import {
  envoyEndpoints,
  guardianVariables,
  isPinnedImage,
  isSecretVariable,
  ratelimitVariables,
  readRepoFile,
  repoPathExists,
  repoRoot,
} from "./checks.js";
import { containersOf as podContainers, renderKustomization, type Manifest } from "./k8s-render.js";

const dir = "deploy/k8s";
/** The kustomizations of deploy/k8s: the services, the migrations, the monitoring. */
const kustomizations = [dir, `${dir}/migrate`, `${dir}/monitoring`];
let manifests: (Manifest & { file: string })[];
let jobs: Manifest[];

beforeAll(async () => {
  manifests = (await renderKustomization(dir)).map((r) => ({ ...r.object, file: r.source }));
  jobs = (await renderKustomization(`${dir}/migrate`)).map((r) => r.object);
});

const ofKind = (kind: string) => [...manifests, ...jobs].filter((m) => m["kind"] === kind);
const workloads = () => [...ofKind("Deployment"), ...ofKind("StatefulSet")];
const containersOf = (m: Manifest): Manifest[] => podContainers(m["spec"].template.spec);
/** The image a container runs, without the registry the kustomization points it at. */
const imageOf = (c: Manifest) => String(c["image"]).replace(/^.*\/(guardian\/[^/]+)$/, "$1");
const podLabels = (m: Manifest): Record<string, string> => m["spec"].template.metadata.labels;
const selects = (selector: Manifest | undefined, labels: Record<string, string>): boolean => {
  if (selector === undefined) return false;
  const exact = Object.entries((selector["matchLabels"] as Record<string, string>) ?? {}).every(
    ([k, v]) => labels[k] === v,
  );
  const exprs = ((selector["matchExpressions"] as Manifest[]) ?? []).every(
    (e) => e["operator"] === "In" && (e["values"] as string[]).includes(labels[e["key"]] ?? ""),
  );
  return exact && exprs;
};
const guardianApps = ["auth", "config", "schema", "cluster", "store"];
const appOf = (m: Manifest) => m["metadata"].labels?.["app.kubernetes.io/component"] as string;

describe("deploy/k8s", () => {
  it("parses every manifest, each with apiVersion, kind and name", () => {
    expect(manifests.length).toBeGreaterThan(20);
    for (const m of manifests) {
      expect(m["apiVersion"], m.file).toBeTruthy();
      expect(m["kind"], m.file).toBeTruthy();
      expect(m["metadata"]?.name, m.file).toBeTruthy();
    }
  });

  it("renders every manifest file through exactly one kustomization", async () => {
    const files: string[] = [];
    for (const sub of kustomizations) {
      for (const f of await readdir(join(repoRoot, sub))) {
        if (f.endsWith(".yaml") && f !== "kustomization.yaml") files.push(`${sub}/${f}`);
      }
    }
    const rendered: string[] = [];
    for (const sub of kustomizations) {
      const sources = (await renderKustomization(sub)).map((r) => r.source);
      rendered.push(...new Set(sources.filter((s) => !s.endsWith("kustomization.yaml"))));
    }
    expect(rendered.sort()).toEqual(files.sort());
  });

  it("generates the Envoy ConfigMap from the generated file, under a content-hashed name the pods use", async () => {
    expect(await repoPathExists(k8sProfile.output)).toBe(true);
    const [cm, ...others] = ofKind("ConfigMap").filter((c) =>
      String(c["metadata"].name).startsWith("envoy-config-"),
    );
    expect(others).toEqual([]);
    expect(cm?.["data"]).toEqual({ "envoy.yaml": await readRepoFile(k8sProfile.output) });
    const envoy = ofKind("Deployment").find((d) => d["metadata"].name === "guardian-envoy")!;
    expect(envoy["spec"].template.spec.volumes).toContainEqual({
      name: "config",
      configMap: { name: cm?.["metadata"].name },
    });
  });

  it("pins every image and sets requests and limits on every container", () => {
    for (const m of [...workloads(), ...ofKind("Job")]) {
      for (const c of containersOf(m)) {
        expect(isPinnedImage(c["image"]), `${m["metadata"].name}: ${c["image"]}`).toBe(true);
        for (const kind of ["requests", "limits"]) {
          expect(c["resources"]?.[kind]?.cpu, `${m["metadata"].name} ${kind}`).toBeTruthy();
          expect(c["resources"]?.[kind]?.memory, `${m["metadata"].name} ${kind}`).toBeTruthy();
        }
      }
    }
  });

  it("probes Guardian services on /readyz and /healthz at the port they listen on", () => {
    const probed = [...guardianApps, "ratelimit", "console"];
    const deployments = ofKind("Deployment").filter((d) => probed.includes(appOf(d)));
    expect(deployments.map(appOf).sort()).toEqual(probed.sort());
    for (const d of deployments) {
      const c = containersOf(d)[0]!;
      expect(c["readinessProbe"].httpGet).toEqual({ path: "/readyz", port: "http" });
      expect(c["livenessProbe"].httpGet).toEqual({ path: "/healthz", port: "http" });
      const portVar = appOf(d) === "ratelimit" ? "GUARDIAN_RATELIMIT_PORT" : "GUARDIAN_PORT";
      const port = (c["env"] as Manifest[]).find((e) => e["name"] === portVar)?.["value"];
      expect(c["ports"], appOf(d)).toEqual([{ name: "http", containerPort: Number(port) }]);
    }
  });

  it("covers every workload with a PodDisruptionBudget and every Deployment with an autoscaler", () => {
    for (const w of workloads()) {
      const pdb = ofKind("PodDisruptionBudget").find((p) =>
        selects(p["spec"].selector, podLabels(w)),
      );
      expect(pdb, `${w["metadata"].name} PDB`).toBeDefined();
    }
    for (const d of ofKind("Deployment")) {
      const hpa = ofKind("HorizontalPodAutoscaler").find(
        (h) =>
          h["spec"].scaleTargetRef.kind === "Deployment" &&
          h["spec"].scaleTargetRef.name === d["metadata"].name,
      );
      expect(hpa, `${d["metadata"].name} HPA`).toBeDefined();
      expect(hpa?.["spec"].minReplicas).toBeGreaterThanOrEqual(2);
    }
  });

  it("runs etcd as a 3-member StatefulSet behind a headless Service, keeping quorum", () => {
    const [etcd] = ofKind("StatefulSet");
    expect(etcd?.["spec"].replicas).toBe(3);
    const headless = ofKind("Service").find(
      (s) => s["metadata"].name === etcd?.["spec"].serviceName,
    );
    expect(headless?.["spec"].clusterIP).toBe("None");
    expect(selects({ matchLabels: headless?.["spec"].selector }, podLabels(etcd!))).toBe(true);
    const pdb = ofKind("PodDisruptionBudget").find((p) =>
      selects(p["spec"].selector, podLabels(etcd!)),
    );
    expect(pdb?.["spec"].minAvailable).toBe(2);
    // The store's archiver compacts etcd behind the archive; etcd must not compact by itself.
    const args = containersOf(etcd!).flatMap((c) => [
      ...((c["command"] as string[] | undefined) ?? []),
      ...((c["args"] as string[] | undefined) ?? []),
    ]);
    expect(args.filter((a) => a.startsWith("--auto-compaction"))).toEqual([]);
    expect(args).toContain("--quota-backend-bytes=8589934592");
  });

  it("references secrets with secretKeyRef and never inlines them", () => {
    expect(ofKind("Secret")).toEqual([]);
    for (const m of [...workloads(), ...ofKind("Job")]) {
      for (const c of containersOf(m)) {
        for (const e of (c["env"] as Manifest[]) ?? []) {
          if (isSecretVariable(e["name"])) {
            expect(e["value"], `${m["metadata"].name}: ${e["name"]}`).toBeUndefined();
            expect(e["valueFrom"]?.secretKeyRef?.name, `${m["metadata"].name}: ${e["name"]}`).toBe(
              "guardian-secrets",
            );
          }
        }
      }
    }
  });

  it("sets only variables Guardian reads", () => {
    const guardian = guardianVariables();
    const ratelimit = ratelimitVariables();
    for (const m of [...ofKind("Deployment"), ...ofKind("Job")]) {
      for (const c of containersOf(m)) {
        if (!imageOf(c).startsWith("guardian/")) continue;
        const allowed = imageOf(c).startsWith("guardian/ratelimit:") ? ratelimit : guardian;
        for (const e of (c["env"] as Manifest[]) ?? []) {
          expect(allowed.has(e["name"]), `${m["metadata"].name}: ${e["name"]}`).toBe(true);
        }
      }
    }
  });

  it("trusts x-forwarded-for exactly one hop deep on services behind Envoy, and nowhere else", async () => {
    const routed = await envoyEndpoints(k8sProfile.output);
    for (const m of ofKind("Deployment")) {
      for (const c of containersOf(m)) {
        if (!imageOf(c).startsWith("guardian/guardian:")) continue;
        const env = (c["env"] as Manifest[]) ?? [];
        const hops = env.find((e) => e["name"] === "GUARDIAN_TRUSTED_PROXY_HOPS")?.["value"];
        expect(hops ?? "0", m["metadata"].name).toBe(routed.has(appOf(m)) ? "1" : "0");
      }
    }
  });

  it("exposes each service on the port Envoy's clusters use", async () => {
    const endpoints = await envoyEndpoints(k8sProfile.output);
    for (const name of ["auth", "config", "schema", "cluster", "ratelimit", "console"]) {
      const service = ofKind("Service").find((s) => s["metadata"].name === name);
      const port = service?.["spec"].ports[0];
      expect(endpoints.get(name), name).toEqual({ host: name, port: port?.port });
      expect(port?.targetPort).toBe("http");
    }
    expect(ofKind("Service").find((s) => s["metadata"].name === "store")).toBeDefined();
    expect(endpoints.has("store")).toBe(false);
  });

  it("lets only Envoy reach the public services, and only the services reach the store", () => {
    const policies = ofKind("NetworkPolicy");
    expect(
      policies.some(
        (p) => Object.keys(p["spec"].podSelector).length === 0 && p["spec"].ingress === undefined,
      ),
    ).toBe(true);
    const sourcesOf = (app: string): string[] => {
      const w = workloads().find((x) => appOf(x) === app)!;
      return policies
        .filter((p) => selects(p["spec"].podSelector, podLabels(w)))
        .flatMap((p) => (p["spec"].ingress as Manifest[]) ?? [])
        .flatMap((rule) => (rule["from"] as Manifest[] | undefined) ?? [{ anywhere: true }])
        .map((peer) =>
          peer["anywhere"]
            ? "anywhere"
            : peer["namespaceSelector"]
              ? `namespace:${String(peer["namespaceSelector"].matchLabels["kubernetes.io/metadata.name"])}`
              : JSON.stringify(peer["podSelector"]),
        );
    };
    const envoy = JSON.stringify({ matchLabels: { "app.kubernetes.io/name": "guardian-envoy" } });
    for (const app of ["auth", "config", "schema", "cluster", "ratelimit", "console"]) {
      expect(new Set(sourcesOf(app)), app).toEqual(new Set([envoy, "namespace:monitoring"]));
    }
    expect(sourcesOf("store")).not.toContain(envoy);
    expect(sourcesOf("store")).not.toContain("anywhere");
    expect(sourcesOf("gateway")).toContain("anywhere");
  });

  it("serves the web console built into the guardian image, without a database", () => {
    const d = ofKind("Deployment").find((x) => appOf(x) === "console")!;
    const c = containersOf(d)[0]!;
    expect(c["image"]).toBe(
      containersOf(ofKind("Deployment").find((x) => appOf(x) === "auth")!)[0]!["image"],
    );
    expect(c["args"]).toEqual(["serve", "console"]);
    const env = Object.fromEntries((c["env"] as Manifest[]).map((e) => [e["name"], e["value"]]));
    expect(env["GUARDIAN_CONSOLE_DIR"]).toBe("/app/packages/console/dist");
    expect(env["KEYCLOAK_ISSUER_URL"]).toBe(k8sProfile.issuers.keycloak.issuer);
    expect(env).not.toHaveProperty("DATABASE_URL");
  });

  it("embeds the same limits file the compose deployment mounts", async () => {
    const cm = ofKind("ConfigMap").find((c) => c["metadata"].name === "ratelimit-config");
    expect(cm?.["data"]["limits.yaml"]).toBe(await readRepoFile("deploy/ratelimit/limits.yaml"));
  });
});
