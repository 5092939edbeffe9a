import {
  create,
  fromJson,
  type JsonValue,
  type Message,
  type MessageInitShape,
} from "@bufbuild/protobuf";
import { WireType } from "@bufbuild/protobuf/wire";
import { timestampFromDate, ValueSchema, type Value } from "@bufbuild/protobuf/wkt";
import { jsonAnswerValue, valueWire } from "@guardian/kit";
import { binaryCodec } from "./watch/encoded-change.js";
import {
  ChangeType,
  ConfigSchema,
  StoreEventType,
  type ChangeEventSchema,
  type Config,
  type KeyValue,
  RevisionSchema,
  type ProjectSchema,
  type Revision,
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
 * How a Config's content is held in an answer.
 * - "value": a google.protobuf.Value, as every codec and every reader needs it.
 * - "wire": only the content's proto bytes, written straight from the stored JSON as an
 *   unknown field (number 3), which the binary codec writes out as if it were the field
 *   itself; a JSON codec would drop it.
 * - "text": a Value that a JSON codec writes from the stored JSON text, parsed by
 *   `JSON.parse` (kit's `jsonAnswerValue`); a binary codec cannot write it.
 * Building a large document's Value tree, and writing it, takes the event loop many times as
 * long as either of the last two.
 */
export type ContentForm = "value" | "wire" | "text";

/**
 * The content form a call's answer can take, from its request's content type, or for a
 * Connect GET (which has none) from the codec its query names (`encoding=json|proto`).
 */
export function contentFormOf(ctx: {
  requestHeader: Headers;
  requestMethod?: string;
  url?: string;
}): ContentForm {
  const type = ctx.requestHeader.get("content-type");
  if (type !== null) return binaryCodec(type) ? "wire" : "text";
  if (ctx.requestMethod === "GET" && ctx.url !== undefined) {
    const encoding = new URL(ctx.url, "http://localhost").searchParams.get("encoding");
    if (encoding === "proto") return "wire";
    if (encoding === "json") return "text";
  }
  return "value";
}

/** The content of an answer in `form`, from stored bytes (none for "wire" or empty bytes). */
function contentIn(form: ContentForm, stored: Uint8Array): Value | undefined {
  if (form === "wire" || stored.length === 0) return undefined;
  return form === "text" ? jsonAnswerValue(decoder.decode(stored)) : contentOf(stored);
}

/**
 * Converts a store key-value to a Config. The content is set only when the store returned
 * the value (not for keys-only reads).
 */
export function kvToConfig(kv: KeyValue, form: ContentForm = "value"): Config {
  const meta = kv.meta;
  const wire = form === "wire" && kv.value.length > 0;
  const config = create(ConfigSchema, {
    project: kv.project,
    key: kv.key,
    content: contentIn(form, kv.value),
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
  return wire ? withWireContent(config, 3, kv.value) : config;
}

/** Gives a message its content field (number `no`) as the proto bytes of stored JSON. */
function withWireContent<T extends Message>(msg: T, no: number, stored: Uint8Array): T {
  const data = valueWire(jsonOf(stored) as JsonValue, { lengthPrefixed: true });
  msg.$unknown = [{ no, wireType: WireType.LengthDelimited, data }];
  return msg;
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
  form: ContentForm = "value",
): Revision {
  const meta = r.meta;
  const wire = form === "wire" && withContent && !r.deleted && r.value.length > 0;
  const revision = create(RevisionSchema, {
    project: r.project,
    key: r.key,
    revision: r.revision,
    previousRevision: r.previousRevision,
    changeType: r.deleted ? ChangeType.DELETE : (meta?.changeType ?? ChangeType.UNSPECIFIED),
    content: withContent && !r.deleted ? contentIn(form, r.value) : undefined,
    author: meta?.author ?? "",
    message: meta?.message ?? "",
    createTime: meta?.time,
    schema: meta?.schema ?? "",
    schemaVersion: meta?.schemaVersion ?? 0,
    validatedSchemaVersion: meta?.validatedSchemaVersion ?? 0,
    rolledBackFrom: meta?.rolledBackFrom ?? 0n,
    labels: { ...meta?.labels },
    requestId: meta?.requestId ?? "",
  });
  return wire ? withWireContent(revision, 6, r.value) : revision;
}

/** Converts a store watch event to a config ChangeEvent. */
export function eventToChange(
  ev: StoreEvent,
  includePrevious: boolean,
  form: ContentForm = "value",
): MessageInitShape<typeof ChangeEventSchema> {
  const kv = ev.kv!;
  const deleted = ev.type === StoreEventType.DELETE;
  return {
    type: deleted ? ChangeType.DELETE : (kv.meta?.changeType ?? ChangeType.UPDATE),
    revision: kv.version,
    config: deleted ? tombstoneToConfig(kv) : kvToConfig(kv, form),
    previous: includePrevious && ev.prevKv ? kvToConfig(ev.prevKv, form) : undefined,
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
