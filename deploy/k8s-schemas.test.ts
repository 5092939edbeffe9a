import { describe, expect, it } from "vitest";
import { renderKustomization } from "./k8s-render.js";
import { checkManifest } from "./k8s-schemas.js";

const deployment = () => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "x", labels: { "app.kubernetes.io/name": "x" } },
  spec: {
    selector: { matchLabels: { "app.kubernetes.io/name": "x" } },
    template: {
      metadata: { labels: { "app.kubernetes.io/name": "x" } },
      spec: { containers: [{ name: "x", image: "x:1", ports: [{ containerPort: 8080 }] }] },
    },
  },
});

describe("Kubernetes schema checks", () => {
  it.each(["deploy/k8s", "deploy/k8s/migrate", "deploy/k8s/monitoring"])(
    "finds every object %s renders valid, with no field its schema does not define",
    async (dir) => {
      const rendered = await renderKustomization(dir);
      expect(rendered.length).toBeGreaterThan(0);
      for (const { object, source } of rendered) {
        const where = `${source}: ${object["kind"]}/${object["metadata"]?.name}`;
        expect(checkManifest(object), where).toEqual({ violations: [], unknownFields: [] });
      }
    },
  );

  it("accepts a well-formed Deployment with free-form maps (labels)", () => {
    expect(checkManifest(deployment())).toEqual({ violations: [], unknownFields: [] });
  });

  it("reports fields the schema does not define, at any depth", () => {
    const d = deployment() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test edits
    d["spec"].replica = 2;
    d["spec"].template.spec.containers[0].readinesProbe = { httpGet: { path: "/readyz" } };
    d["spec"].template.spec.containers[0].ports[0].containerport = 8080;
    expect(checkManifest(d).unknownFields.sort()).toEqual([
      "/spec/replica",
      "/spec/template/spec/containers/0/ports/0/containerport",
      "/spec/template/spec/containers/0/readinesProbe",
    ]);
  });

  it("reports wrong types and values against the schema", () => {
    const d = deployment() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test edits
    d["spec"].template.spec.containers[0].ports[0].containerPort = "8080";
    d["spec"].template.spec.containers[0].imagePullPolicy = "Sometimes";
    const { violations } = checkManifest(d);
    expect(violations).toContainEqual(
      expect.stringMatching(/^\/spec\/template\/spec\/containers\/0\/ports\/0\/containerPort /),
    );
    expect(violations).toContainEqual(
      expect.stringMatching(/^\/spec\/template\/spec\/containers\/0\/imagePullPolicy /),
    );
  });

  it("checks prometheus-operator objects against their CRD schemas", () => {
    const monitor = {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: "x" },
      spec: {
        selector: { matchLabels: { a: "b" } },
        endpoints: [{ port: "http", path: "/metrics", scrapeInterval: "15s" }],
      },
    };
    expect(checkManifest(monitor).unknownFields).toEqual(["/spec/endpoints/0/scrapeInterval"]);
    const rule = {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: { name: "x" },
      spec: { groups: [{ name: "g", rules: [{ alert: "A", for: "1m" }] }] },
    };
    expect(checkManifest(rule).violations).toContainEqual(
      expect.stringMatching(/^\/spec\/groups\/0\/rules\/0 .*expr/),
    );
  });

  it("refuses a kind it has no schema for", () => {
    expect(
      checkManifest({ apiVersion: "apps/v1beta1", kind: "Deployment", metadata: { name: "x" } })
        .violations,
    ).toEqual(["no schema for apps/v1beta1/Deployment"]);
  });
});
