import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { basename, join, posix } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { repoRoot } from "./checks.js";

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
 * `configMapGenerator` (files, envs, literals; the name gets a content hash suffix and the pod
 * templates' references follow it), `namespace`, `nameSuffix` (Jobs only), `labels` (metadata,
 * and pod templates with `includeTemplates`) and `images` (`newName`, `newTag`, `digest`).
 * Anything else in the kustomization throws, so a manifest never relies on a feature the
 * checks do not see. Paths are relative to `root` (the repository by default).
 */
export async function renderKustomization(dir: string, root = repoRoot): Promise<Rendered[]> {
  const read = (path: string) => readFile(join(root, path), "utf8");
  const kust = parse(await read(`${dir}/kustomization.yaml`)) as Manifest;
  onlyFields(kust, [...supported], `${dir}: kustomization`);
  for (const l of (kust["labels"] as Manifest[] | undefined) ?? []) {
    onlyFields(l, ["pairs", "includeSelectors", "includeTemplates"], `${dir}: labels`);
    if (l["includeSelectors"]) throw new Error(`${dir}: labels.includeSelectors is not supported`);
  }
  for (const i of (kust["images"] as Manifest[] | undefined) ?? []) {
    onlyFields(i, ["name", "newName", "newTag", "digest"], `${dir}: images`);
  }
  for (const g of (kust["configMapGenerator"] as Manifest[] | undefined) ?? []) {
    onlyFields(g, ["name", "files", "envs", "literals"], `${dir}: configMapGenerator`);
  }
  const out: Rendered[] = [];
  for (const entry of (kust["resources"] as string[] | undefined) ?? []) {
    const path = posix.join(dir, entry);
    if ((await stat(join(root, path))).isDirectory()) {
      out.push(...(await renderKustomization(path, root)));
    } else {
      out.push(...manifestsOf(path, await read(path)));
    }
  }
  const renamed = new Map<string, string>();
  for (const gen of (kust["configMapGenerator"] as Manifest[] | undefined) ?? []) {
    const cm = await generateConfigMap(dir, gen, read);
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

function onlyFields(object: Manifest, fields: string[], where: string): void {
  const extra = Object.keys(object).filter((k) => !fields.includes(k));
  if (extra.length > 0) throw new Error(`${where}: unsupported fields ${extra.join(", ")}`);
}

/** Parses every YAML document of a file's text; YAML errors (duplicate keys too) throw. */
function manifestsOf(path: string, text: string): Rendered[] {
  const out: Rendered[] = [];
  for (const doc of parseAllDocuments(text)) {
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

async function generateConfigMap(
  dir: string,
  gen: Manifest,
  read: (path: string) => Promise<string>,
): Promise<Manifest> {
  const data: Record<string, string> = {};
  for (const file of (gen["files"] as string[] | undefined) ?? []) {
    const [key, path] = file.includes("=") ? file.split("=", 2) : [basename(file), file];
    data[key!] = await read(posix.join(dir, path!));
  }
  const envLines: string[] = [];
  for (const file of (gen["envs"] as string[] | undefined) ?? []) {
    const text = await read(posix.join(dir, file));
    envLines.push(...text.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#")));
  }
  for (const pair of [...envLines, ...((gen["literals"] as string[] | undefined) ?? [])]) {
    const at = pair.indexOf("=");
    if (at < 1) throw new Error(`${dir}: ${gen["name"]}: expected KEY=VALUE, got ${pair}`);
    data[pair.slice(0, at)] = pair.slice(at + 1);
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
