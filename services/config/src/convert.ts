import { create, fromJson, type JsonValue, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate, ValueSchema, type Value } from "@bufbuild/protobuf/wkt";
import {
  ChangeType,
  ConfigSchema,
  StoreEventType,
  type ChangeEventSchema,
  type Config,
  type KeyValue,
  type ProjectSchema,
  type RevisionSchema,
  type StoreEvent,
  type StoredRevision,
} from "@guardian/api";
import type { ProjectRow } from "@guardian/authz";

const decoder = new TextDecoder();

/**
 * Parses stored UTF-8 JSON bytes into a google.protobuf.Value (undefined for empty bytes).
 * Stored content was written by Guardian from a Value, so it never repeats a key: the
 * engine's own `JSON.parse` reads it, not protobuf-es's stricter and slower parser.
 */
export function contentOf(bytes: Uint8Array): Value | undefined {
  if (bytes.length === 0) return undefined;
  return fromJson(ValueSchema, JSON.parse(decoder.decode(bytes)) as JsonValue);
}

/** Parses stored UTF-8 JSON bytes into a plain JSON value (null for empty bytes). */
export function jsonOf(bytes: Uint8Array): unknown {
  return bytes.length === 0 ? null : (JSON.parse(decoder.decode(bytes)) as unknown);
}

/**
 * Converts a store key-value to a Config. The content is set only when the store returned
 * the value (not for keys-only reads).
 */
export function kvToConfig(kv: KeyValue): Config {
  const meta = kv.meta;
  return create(ConfigSchema, {
    project: kv.project,
    key: kv.key,
    content: contentOf(kv.value),
    schema: meta?.schema ?? "",
    schemaVersion: meta?.schemaVersion ?? 0,
    validatedSchemaVersion: meta?.validatedSchemaVersion ?? 0,
    version: kv.version,
    createRevision: kv.createRevision,
    createTime: kv.createTime,
    updateTime: meta?.time,
    createdBy: kv.createdBy,
    updatedBy: meta?.author ?? "",
    labels: { ...meta?.labels },
  });
}

/** Converts a deletion tombstone to the Config a delete event carries: identity and who/when. */
export function tombstoneToConfig(kv: KeyValue): Config {
  return create(ConfigSchema, {
    project: kv.project,
    key: kv.key,
    version: kv.version,
    updateTime: kv.meta?.time,
    updatedBy: kv.meta?.author ?? "",
  });
}

/** Converts a store revision record to a Revision, with content only when asked for. */
export function recordToRevision(
  r: StoredRevision,
  withContent: boolean,
): MessageInitShape<typeof RevisionSchema> {
  const meta = r.meta;
  return {
    project: r.project,
    key: r.key,
    revision: r.revision,
    previousRevision: r.previousRevision,
    changeType: r.deleted ? ChangeType.DELETE : (meta?.changeType ?? ChangeType.UNSPECIFIED),
    content: withContent && !r.deleted ? contentOf(r.value) : undefined,
    author: meta?.author ?? "",
    message: meta?.message ?? "",
    createTime: meta?.time,
    schema: meta?.schema ?? "",
    schemaVersion: meta?.schemaVersion ?? 0,
    validatedSchemaVersion: meta?.validatedSchemaVersion ?? 0,
    rolledBackFrom: meta?.rolledBackFrom ?? 0n,
    labels: { ...meta?.labels },
    requestId: meta?.requestId ?? "",
  };
}

/** Converts a store watch event to a config ChangeEvent. */
export function eventToChange(
  ev: StoreEvent,
  includePrevious: boolean,
): MessageInitShape<typeof ChangeEventSchema> {
  const kv = ev.kv!;
  const deleted = ev.type === StoreEventType.DELETE;
  return {
    type: deleted ? ChangeType.DELETE : (kv.meta?.changeType ?? ChangeType.UPDATE),
    revision: kv.version,
    config: deleted ? tombstoneToConfig(kv) : kvToConfig(kv),
    previous: includePrevious && ev.prevKv ? kvToConfig(ev.prevKv) : undefined,
  };
}

/** Converts a projects row to a Project message. */
export function projectOf(row: ProjectRow): MessageInitShape<typeof ProjectSchema> {
  return {
    name: row.name,
    displayName: row.display_name,
    description: row.description,
    labels: row.labels,
    createTime: timestampFromDate(row.created_at),
    updateTime: timestampFromDate(row.updated_at),
    createdBy: row.created_by,
    version: BigInt(row.version),
    historyRetention: {
      maxAgeDays: row.history_max_age_days,
      minRevisionsPerConfig: row.history_min_revisions,
    },
  };
}
