import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { renderKustomization } from "./k8s-render.js";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "k8s-render-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const write = async (files: Record<string, string>) => {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, ".."), { recursive: true });
    await writeFile(join(root, path), text);
  }
};

const deployment = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: app, labels: { app: app } }
spec:
  selector: { matchLabels: { app: app } }
  template:
    metadata: { labels: { app: app } }
    spec:
      containers:
        - name: app
          image: example/app:1.0.0
          envFrom: [{ configMapRef: { name: settings } }]
        - name: side
          image: example/side:2.0.0
      volumes: [{ name: files, configMap: { name: files } }]
---
apiVersion: v1
kind: Namespace
metadata: { name: team }
`;

describe("renderKustomization", () => {
  it("renders resources, generated ConfigMaps, namespace, labels and images as kubectl apply -k does", async () => {
    await write({
      "k/app.yaml": deployment,
      "k/files/a.txt": "alpha\n",
      "k/settings.env": "# comment\nMODE=prod\nURL=http://x?a=b\n",
      "k/kustomization.yaml": `
namespace: team
resources: [app.yaml]
configMapGenerator:
  - { name: files, files: [a.txt=files/a.txt, files/a.txt] }
  - { name: settings, envs: [settings.env], literals: [EXTRA=1] }
labels:
  - pairs: { tier: web }
    includeTemplates: true
images:
  - { name: example/app, newName: registry.test/app, newTag: 1.1.0 }
  - { name: example/side, digest: "sha256:${"a".repeat(64)}" }
`,
    });
    const out = await renderKustomization("k", root);
    const [app, ns, files, settings] = out.map((r) => r.object);
    expect(ns?.["metadata"]).toEqual({ name: "team", labels: { tier: "web" } });
    expect(app?.["metadata"]).toEqual({
      name: "app",
      namespace: "team",
      labels: { app: "app", tier: "web" },
    });
    expect(app?.["spec"].selector).toEqual({ matchLabels: { app: "app" } });
    expect(app?.["spec"].template.metadata.labels).toEqual({ app: "app", tier: "web" });
    const pod = app?.["spec"].template.spec;
    expect(pod.containers.map((c: { image: string }) => c.image)).toEqual([
      "registry.test/app:1.1.0",
      `example/side@sha256:${"a".repeat(64)}`,
    ]);
    expect(files?.["data"]).toEqual({ "a.txt": "alpha\n" });
    expect(files?.["metadata"].name).toMatch(/^files-[0-9a-f]{10}$/);
    expect(pod.volumes[0].configMap.name).toBe(files?.["metadata"].name);
    expect(settings?.["data"]).toEqual({ MODE: "prod", URL: "http://x?a=b", EXTRA: "1" });
    expect(pod.containers[0].envFrom[0].configMapRef.name).toBe(settings?.["metadata"].name);
    expect(out.map((r) => r.source)).toEqual([
      "k/app.yaml",
      "k/app.yaml",
      "k/kustomization.yaml",
      "k/kustomization.yaml",
    ]);
  });

  it("changes a generated ConfigMap's name when its content changes", async () => {
    await write({
      "k/a.txt": "one",
      "k/kustomization.yaml": "configMapGenerator: [{ name: c, files: [a.txt] }]",
    });
    const [first] = await renderKustomization("k", root);
    await write({ "k/a.txt": "two" });
    const [second] = await renderKustomization("k", root);
    expect(first?.object["metadata"].name).not.toBe(second?.object["metadata"].name);
  });

  it("renders kustomization directories listed as resources, and suffixes Job names", async () => {
    await write({
      "k/job/job.yaml": "apiVersion: batch/v1\nkind: Job\nmetadata: { name: migrate }\n",
      "k/job/kustomization.yaml": "resources: [job.yaml]\nnameSuffix: -1-2-3\n",
      "k/kustomization.yaml": "namespace: team\nresources: [job]\n",
    });
    const [job] = await renderKustomization("k", root);
    expect(job?.object["metadata"]).toEqual({ name: "migrate-1-2-3", namespace: "team" });
    expect(job?.source).toBe("k/job/job.yaml");
  });

  it("refuses what it does not implement, and YAML errors", async () => {
    const fails = async (kustomization: string, files: Record<string, string> = {}) => {
      await write({ ...files, "k/kustomization.yaml": kustomization });
      return renderKustomization("k", root).then(
        () => "rendered",
        (err: Error) => err.message,
      );
    };
    expect(await fails("patches: []")).toMatch(/kustomization: unsupported fields patches/);
    expect(await fails("configMapGenerator: [{ name: c, behavior: merge }]")).toMatch(
      /configMapGenerator: unsupported fields behavior/,
    );
    expect(await fails("labels: [{ pairs: { a: b }, includeSelectors: true }]")).toMatch(
      /includeSelectors/,
    );
    expect(
      await fails("nameSuffix: -x\nresources: [app.yaml]", { "k/app.yaml": deployment }),
    ).toMatch(/nameSuffix is supported for Jobs/);
    expect(
      await fails("resources: [bad.yaml]", { "k/bad.yaml": "kind: A\nkind: B\nmetadata: {}\n" }),
    ).toMatch(/k\/bad.yaml/);
  });
});
