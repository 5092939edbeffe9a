import type { RevisionMeta, WriteInput } from "../engine/types.js";

/** The metadata a write request carries (the engine sets the time). */
export type WriteMeta = Omit<RevisionMeta, "time">;

/** Metadata of a test write: an update by "alice" with no schema and no labels. */
export function testMeta(over: Partial<WriteMeta> = {}): WriteMeta {
  return {
    author: "alice",
    message: "",
    requestId: "",
    schema: "",
    schemaVersion: 0,
    validatedSchemaVersion: 0,
    labels: {},
    changeKind: "update",
    rolledBackFrom: 0n,
    ...over,
  };
}

/** A write that puts `value` as a JSON document, with optional extra write fields. */
export function putJson(
  project: string,
  key: string,
  value: unknown,
  extra: Partial<WriteInput> = {},
): WriteInput {
  return {
    project,
    key,
    op: "put",
    value: new TextEncoder().encode(JSON.stringify(value)),
    meta: testMeta(),
    ...extra,
  };
}

/** A write that deletes one config, with optional extra write fields. */
export function deleteKey(
  project: string,
  key: string,
  extra: Partial<WriteInput> = {},
): WriteInput {
  return { project, key, op: "delete", meta: testMeta({ changeKind: "delete" }), ...extra };
}

/** Decodes a JSON document. */
export function readJson(value: Uint8Array): unknown {
  return JSON.parse(new TextDecoder().decode(value)) as unknown;
}
