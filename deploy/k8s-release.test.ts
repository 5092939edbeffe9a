import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { readRepoFile } from "./checks.js";
import { containersOf, podSpecs, renderKustomization, type Manifest } from "./k8s-render.js";

// How a release reaches a cluster: images from a registry, migrations first in a Job of their
// own, scale owned by the autoscalers, limits that reload, and what Prometheus scrapes.

const readKustomization = async (dir: string) =>
  parse(await readRepoFile(`${dir}/kustomization.yaml`)) as Manifest;

let services: Manifest[];
let migrate: Manifest[];
let monitoring: Manifest[];
beforeAll(async () => {
  const render = async (dir: string) => (await renderKustomization(dir)).map((r) => r.object);
  [services, migrate, monitoring] = await Promise.all([
    render("deploy/k8s"),
    render("deploy/k8s/migrate"),
    render("deploy/k8s/monitoring"),
  ]);
});

const ofKind = (objects: Manifest[], kind: string) => objects.filter((o) => o["kind"] === kind);
const images = (objects: Manifest[]) =>
  objects.flatMap(podSpecs).flatMap((pod) => containersOf(pod).map((c) => c["image"] as string));

describe("deploy/k8s releases", () => {
  it("points the Guardian images at one registry and one release in both kustomizations", async () => {
    const main = (await readKustomization("deploy/k8s"))["images"] as Manifest[];
    const tags = new Set(main.map((i) => i["newTag"]));
    expect(tags.size).toBe(1);
    expect(main.map((i) => i["name"]).sort()).toEqual(["guardian/guardian", "guardian/ratelimit"]);
    const own = (await readKustomization("deploy/k8s/migrate"))["images"] as Manifest[];
    expect(own).toEqual(main.filter((i) => i["name"] === "guardian/guardian"));
    const expected = new Set(main.map((i) => `${i["newName"]}:${i["newTag"]}`));
    const rendered = [...images(services), ...images(migrate)].filter((i) =>
      /\/guardian\/(guardian|ratelimit):/.test(i),
    );
    expect(new Set(rendered)).toEqual(expected);
    expect(images(services).filter((i) => i.startsWith("guardian/"))).toEqual([]);
  });

  it("runs the migrations apart from the services, in a Job named after its release", async () => {
    expect(ofKind(services, "Job")).toEqual([]);
    expect(migrate.map((o) => o["kind"])).toEqual(["Job"]);
    const job = migrate[0]!;
    const [container] = containersOf(podSpecs(job)[0]!);
    expect(container?.["args"]).toEqual(["migrate"]);
    const tag = String(container?.["image"]).split(":").pop()!;
    expect(job["metadata"].name).toBe(`guardian-migrate-${tag.replaceAll(".", "-")}`);
    expect(job["metadata"].namespace).toBe("guardian");
    expect(job["spec"].ttlSecondsAfterFinished).toBeGreaterThan(0);
    const env = (container?.["env"] as Manifest[]).map((e) => e["name"]);
    expect(env).toContain("DATABASE_URL");
  });

  it("leaves the replica count of every autoscaled Deployment to its autoscaler", () => {
    const scaled = new Set(
      ofKind(services, "HorizontalPodAutoscaler").map((h) => h["spec"].scaleTargetRef.name),
    );
    for (const d of ofKind(services, "Deployment")) {
      expect(scaled.has(d["metadata"].name), d["metadata"].name).toBe(true);
      expect(d["spec"].replicas, d["metadata"].name).toBeUndefined();
    }
  });

  it("mounts the rate limits as a directory, so that an edited ConfigMap reaches the file", () => {
    const deployment = ofKind(services, "Deployment").find(
      (d) => d["metadata"].name === "guardian-ratelimit",
    )!;
    const pod = podSpecs(deployment)[0]!;
    const volume = (pod["volumes"] as Manifest[]).find((v) => v["configMap"])!;
    const cm = ofKind(services, "ConfigMap").find(
      (c) => c["metadata"].name === volume["configMap"].name,
    );
    const [key] = Object.keys(cm?.["data"] ?? {});
    const c = containersOf(pod)[0]!;
    const mount = (c["volumeMounts"] as Manifest[]).find((m) => m["name"] === volume["name"]);
    expect(mount?.["subPath"]).toBeUndefined();
    const file = (c["env"] as Manifest[]).find((e) => e["name"] === "GUARDIAN_RATELIMIT_CONFIG");
    expect(file?.["value"]).toBe(`${mount?.["mountPath"]}/${key}`);
  });

  it("scrapes every Guardian process, the rate limit service, Envoy and etcd, under the alert rules' job names", async () => {
    const monitors = ofKind(monitoring, "ServiceMonitor");
    const scraped = new Map<string, string>();
    for (const m of monitors) {
      const selector = m["spec"].selector as Manifest;
      for (const s of ofKind(services, "Service")) {
        const labels = s["metadata"].labels as Record<string, string>;
        const matches =
          Object.entries(selector["matchLabels"] ?? {}).every(([k, v]) => labels[k] === v) &&
          ((selector["matchExpressions"] as Manifest[]) ?? []).every((e) =>
            (e["values"] as string[]).includes(labels[e["key"]] ?? ""),
          );
        for (const endpoint of m["spec"].endpoints as Manifest[]) {
          const port = (s["spec"].ports as Manifest[]).find((p) => p["name"] === endpoint["port"]);
          if (!matches || !port) continue;
          expect(scraped.has(s["metadata"].name), `${s["metadata"].name} scraped twice`).toBe(
            false,
          );
          const job = (endpoint["relabelings"] as Manifest[]).find(
            (r) => r["targetLabel"] === "job",
          );
          scraped.set(s["metadata"].name, job?.["replacement"]);
        }
      }
    }
    const guardian = ["auth", "config", "schema", "cluster", "store", "worker", "console"];
    expect(Object.fromEntries(scraped)).toEqual({
      ...Object.fromEntries(guardian.map((name) => [name, "guardian"])),
      ratelimit: "ratelimit",
      "envoy-metrics": "envoy",
      etcd: "etcd",
    });
    const prometheus = parse(await readRepoFile("deploy/prometheus/prometheus.yml")) as Manifest;
    const composeJobs = (prometheus["scrape_configs"] as Manifest[]).map((j) => j["job_name"]);
    for (const job of new Set(scraped.values())) expect(composeJobs).toContain(job);
  });

  it("alerts with exactly the rules of deploy/prometheus/alerts.yml", async () => {
    const alerts = parse(await readRepoFile("deploy/prometheus/alerts.yml")) as Manifest;
    const [rule, ...others] = ofKind(monitoring, "PrometheusRule");
    expect(others).toEqual([]);
    expect(rule?.["spec"].groups).toEqual(alerts["groups"]);
  });
});
