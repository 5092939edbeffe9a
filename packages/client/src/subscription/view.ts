import { toJson } from "@bufbuild/protobuf";
import { timestampDate, ValueSchema } from "@bufbuild/protobuf/wkt";
import { ChangeType, type ChangeEvent, type Config } from "@guardian/api";
import type { ConfigChange, ConfigEntry } from "./types.js";

/** The copy a subscription keeps: key → config. */
export type Copy = Map<string, ConfigEntry>;

/** Converts a Config message into a copy entry. */
export function entryOf(c: Config): ConfigEntry {
  return {
    key: c.key,
    content: c.content ? toJson(ValueSchema, c.content) : null,
    version: c.version,
    createRevision: c.createRevision,
    schema: c.schema,
    schemaVersion: c.schemaVersion,
    validatedSchemaVersion: c.validatedSchemaVersion,
    labels: { ...c.labels },
    createdBy: c.createdBy,
    updatedBy: c.updatedBy,
    ...(c.createTime && { createTime: timestampDate(c.createTime).toISOString() }),
    ...(c.updateTime && { updateTime: timestampDate(c.updateTime).toISOString() }),
  };
}

/**
 * Applies one live change to `copy` and returns what it did to the copy. A deletion of a
 * key the copy does not hold changes nothing and returns undefined.
 */
export function applyEvent(copy: Copy, ev: ChangeEvent): ConfigChange | undefined {
  const key = ev.config?.key;
  if (key === undefined) return undefined;
  const previous = copy.get(key);
  const revision = ev.revision;
  if (ev.type === ChangeType.DELETE) {
    if (!previous) return undefined;
    copy.delete(key);
    return { type: "deleted", key, revision, previous };
  }
  const config = entryOf(ev.config!);
  copy.set(key, config);
  return previous
    ? { type: "updated", key, revision, config, previous }
    : { type: "created", key, revision, config };
}

/**
 * Compares a snapshot with the previous copy and returns the changes that turn one into
 * the other, ordered by key: created and updated keys (a different version), and deleted
 * keys (absent from the snapshot). Unchanged keys produce nothing.
 */
export function diffCopies(previous: Copy, next: Copy, revision: bigint): ConfigChange[] {
  const changes: ConfigChange[] = [];
  for (const [key, config] of next) {
    const before = previous.get(key);
    if (!before) changes.push({ type: "created", key, revision, config });
    else if (before.version !== config.version) {
      changes.push({ type: "updated", key, revision, config, previous: before });
    }
  }
  for (const [key, before] of previous) {
    if (!next.has(key)) changes.push({ type: "deleted", key, revision, previous: before });
  }
  return changes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
