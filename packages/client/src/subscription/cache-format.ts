import type { JsonValue } from "@bufbuild/protobuf";
import { checkTarget } from "./target.js";
import type { CachedState, ConfigEntry } from "./types.js";

/** The format tag of a serialized cache; a file without it is not a cache. */
const format = "guardian-subscription-cache/1";

/** Serializes a cached state as JSON text (revisions and versions as decimal strings). */
export function encodeCachedState(s: CachedState): string {
  return JSON.stringify({
    format,
    project: s.project,
    target: s.target,
    revision: s.revision.toString(),
    configs: s.configs.map((c) => ({
      ...c,
      version: c.version.toString(),
      createRevision: c.createRevision.toString(),
    })),
  });
}

/**
 * Parses the text `encodeCachedState` wrote. Throws an Error saying what is wrong when the
 * text is not such a cache (corrupt, truncated, or another format).
 */
export function decodeCachedState(text: string): CachedState {
  const doc = JSON.parse(text) as Record<string, JsonValue>;
  if (!isObject(doc) || doc["format"] !== format) throw new Error(`not a ${format} document`);
  const { project, target, revision, configs } = doc;
  if (typeof project !== "string" || project === "") throw new Error("no project");
  if (!Array.isArray(configs)) throw new Error("no configs");
  return {
    project,
    target: checkTarget(target),
    revision: bigintOf(revision, "revision"),
    configs: configs.map(entryOfJson),
  };
}

function entryOfJson(v: JsonValue): ConfigEntry {
  if (!isObject(v)) throw new Error("a config that is not an object");
  const text = (field: string) => {
    const x = v[field];
    if (typeof x !== "string") throw new Error(`a config without ${field}`);
    return x;
  };
  const int = (field: string) => {
    const x = v[field];
    if (typeof x !== "number" || !Number.isInteger(x)) throw new Error(`a config without ${field}`);
    return x;
  };
  const labels = v["labels"];
  if (!isObject(labels) || !Object.values(labels).every((l) => typeof l === "string")) {
    throw new Error("a config without labels");
  }
  if (!("content" in v)) throw new Error("a config without content");
  const createTime = v["createTime"];
  const updateTime = v["updateTime"];
  return {
    key: text("key"),
    content: v["content"]!,
    version: bigintOf(v["version"], "version"),
    createRevision: bigintOf(v["createRevision"], "createRevision"),
    schema: text("schema"),
    schemaVersion: int("schemaVersion"),
    validatedSchemaVersion: int("validatedSchemaVersion"),
    labels: labels as Record<string, string>,
    createdBy: text("createdBy"),
    updatedBy: text("updatedBy"),
    ...(typeof createTime === "string" && { createTime }),
    ...(typeof updateTime === "string" && { updateTime }),
  };
}

function bigintOf(v: JsonValue | undefined, field: string): bigint {
  if (typeof v !== "string" || !/^\d{1,19}$/.test(v)) throw new Error(`a bad ${field}`);
  return BigInt(v);
}

function isObject(v: unknown): v is Record<string, JsonValue> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
