import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import { basename, join, posix } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { readRepoFile, repoRoot } from "./checks.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are free-form YAML */
/** A Kubernetes object as YAML gives it. */
export type Manifest = Record<string, any>;

/** One object of a rendered kustomization, with the repository file it came from. */
export interface Rendered {
  object: Manifest;
  source: string;
}

/** The kustomization fields {@link renderKustomization} implements; any other field fails. */
const supported = new Set([
  "apiVersion",
  "kind",
  "namespace",
  "nameSuffix",
  "resources",
  "images",
  "configMapGenerator",
  "labels",
]);

/** Kinds without a namespace among those the manifests use. */
const clusterScoped = new Set(["Namespace"]);

/**
 * Renders the kustomization in `dir` (a repository path) the way `kubectl apply -k` would, for
 * the features the manifests use: `resources` (files and kustomization directories),
 * `configMapGenerator` (files and literals; the name gets a content hash suffix and the pod
 * templates' references follow it), `namespace`, `nameSuffix` (Jobs only), `labels` (metadata,
 * and pod templates with `includeTemplates`) and `images` (`newName`, `newTag`, `digest`).
 * Anything else in the kustomization throws, so a manifest never relies on a feature the
 * checks do not see.
 */
export async function renderKustomization(dir: string): Promise<Rendered[]> {
  const kust = parse(await readRepoFile(`${dir}/kustomization.yaml`)) as Manifest;
  const extra = Object.keys(kust).filter((k) => !supported.has(k));
  if (extra.length > 0) throw new Error(`${dir}: unsupported kustomization fields ${extra}`);
  const out: Rendered[] = [];
  for (const entry of (kust["resources"] as string[] | undefined) ?? []) {
    const path = posix.join(dir, entry);
    if ((await stat(join(repoRoot, path))).isDirectory()) {
      out.push(...(await renderKustomization(path)));
    } else {
      out.push(...(await readManifests(path)));
    }
  }
  const renamed = new Map<string, string>();
  for (const gen of (kust["configMapGenerator"] as Manifest[] | undefined) ?? []) {
    const cm = await generateConfigMap(dir, gen);
    renamed.set(gen["name"] as string, cm.metadata.name as string);
    out.push({ object: cm, source: `${dir}/kustomization.yaml` });
  }
  for (const { object } of out) {
    for (const pod of podSpecs(object)) renameConfigMapRefs(pod, renamed);
    if (kust["namespace"] && !clusterScoped.has(object["kind"])) {
      object["metadata"].namespace = kust["namespace"];
    }
    if (kust["nameSuffix"]) {
      if (object["kind"] !== "Job") throw new Error(`${dir}: nameSuffix is supported for Jobs`);
      object["metadata"].name += kust["nameSuffix"];
    }
    for (const l of (kust["labels"] as Manifest[] | undefined) ?? []) addLabels(object, l);
    for (const pod of podSpecs(object)) setImages(pod, (kust["images"] as Manifest[]) ?? []);
  }
  return out;
}

/** Parses every YAML document of a repository file; YAML errors (duplicate keys too) throw. */
export async function readManifests(path: string): Promise<Rendered[]> {
  const out: Rendered[] = [];
  for (const doc of parseAllDocuments(await readRepoFile(path))) {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors.map((e) => e.message)}`);
    const object = doc.toJS() as Manifest | null;
    if (object !== null) out.push({ object, source: path });
  }
  return out;
}

/** The pod specs inside an object (Deployment, StatefulSet and Job templates). */
export function podSpecs(object: Manifest): Manifest[] {
  const spec = object["spec"]?.template?.spec as Manifest | undefined;
  return ["Deployment", "StatefulSet", "Job"].includes(object["kind"]) && spec ? [spec] : [];
}

/** The containers and init containers of a pod spec. */
export function containersOf(pod: Manifest): Manifest[] {
  return [...((pod["initContainers"] as Manifest[]) ?? []), ...(pod["containers"] as Manifest[])];
}

async function generateConfigMap(dir: string, gen: Manifest): Promise<Manifest> {
  const data: Record<string, string> = {};
  for (const file of (gen["files"] as string[] | undefined) ?? []) {
    const [key, path] = file.includes("=") ? file.split("=", 2) : [basename(file), file];
    data[key!] = await readRepoFile(posix.join(dir, path!));
  }
  for (const literal of (gen["literals"] as string[] | undefined) ?? []) {
    const at = literal.indexOf("=");
    data[literal.slice(0, at)] = literal.slice(at + 1);
  }
  const name = gen["name"] as string;
  const hash = createHash("sha256")
    .update(JSON.stringify({ data, kind: "ConfigMap", name }))
    .digest("hex")
    .slice(0, 10);
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${name}-${hash}` }, data };
}

function renameConfigMapRefs(pod: Manifest, renamed: Map<string, string>): void {
  const rename = (ref: Manifest | undefined) => {
    if (ref && renamed.has(ref["name"])) ref["name"] = renamed.get(ref["name"]);
  };
  for (const v of (pod["volumes"] as Manifest[]) ?? []) {
    rename(v["configMap"]);
    for (const s of (v["projected"]?.sources as Manifest[]) ?? []) rename(s["configMap"]);
  }
  for (const c of containersOf(pod)) {
    for (const e of (c["env"] as Manifest[]) ?? []) rename(e["valueFrom"]?.configMapKeyRef);
    for (const e of (c["envFrom"] as Manifest[]) ?? []) rename(e["configMapRef"]);
  }
}

function addLabels(object: Manifest, spec: Manifest): void {
  if (spec["includeSelectors"]) throw new Error("labels.includeSelectors is not supported");
  const pairs = spec["pairs"] as Record<string, string>;
  object["metadata"].labels = { ...object["metadata"].labels, ...pairs };
  const template = object["spec"]?.template as Manifest | undefined;
  if (spec["includeTemplates"] && template && podSpecs(object).length > 0) {
    template["metadata"] = { ...template["metadata"] };
    template["metadata"].labels = { ...template["metadata"].labels, ...pairs };
  }
}

function setImages(pod: Manifest, images: Manifest[]): void {
  for (const c of containersOf(pod)) {
    const ref = String(c["image"]);
    const at = ref.search(/[:@][^/]*$/);
    const name = at < 0 ? ref : ref.slice(0, at);
    const image = images.find((i) => i["name"] === name);
    if (!image) continue;
    const tag = image["digest"]
      ? `@${image["digest"]}`
      : image["newTag"]
        ? `:${image["newTag"]}`
        : ref.slice(name.length);
    c["image"] = `${image["newName"] ?? name}${tag}`;
  }
}
