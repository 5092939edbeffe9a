import { withTransaction } from "@guardian/db";
import type pg from "pg";
import type { DialectName } from "../engine/dialect-names.js";
import { latestVersionConflict, schemaNotFound, versionNotFound } from "../error-map.js";
import type { FormatMode } from "../formats/guardian-formats.js";
import { insertVersion, selectVersion } from "./schema-versions.js";
import { insertSchema, selectSchema, setLatestVersion } from "./schemas.js";

/** A schema version to write. */
export interface NewVersion {
  project: string;
  name: string;
  /** The schema document: an object or a boolean. */
  content: Record<string, unknown> | boolean;
  dialect: DialectName;
  formatMode: FormatMode;
  message: string;
  createdBy: string;
}

/** Reads a schema and its latest version, or throws NotFound naming what is missing. */
export async function loadLatest(pool: pg.Pool, project: string, name: string) {
  const schema = await selectSchema(pool, project, name);
  if (!schema) throw await schemaNotFound(pool, project, name);
  const latest = await selectVersion(pool, project, name, schema.latest_version);
  if (!latest) throw versionNotFound(project, name, schema.latest_version);
  return { schema, latest };
}

/**
 * Creates a schema with version 1 in one transaction. A taken name fails with a unique
 * violation and an unknown project with a foreign-key violation (see error-map.ts).
 */
export async function createSchemaWithVersion(
  pool: pg.Pool,
  v: NewVersion & { description: string },
) {
  return withTransaction(pool, async (db) => {
    const schema = await insertSchema(db, v);
    const version = await insertVersion(db, { ...v, version: 1, forced: false });
    return { schema, version };
  });
}

/**
 * Adds version `base + 1` in one transaction, under a row lock on the schema. Fails with
 * Aborted and guardian.v1.VersionConflict (against `expected`) when another version was added
 * since `base` was read, because the configs were checked against that state.
 */
export async function appendVersion(
  pool: pg.Pool,
  v: NewVersion & { base: number; expected: number; forced: boolean },
) {
  return withTransaction(pool, async (db) => {
    const current = await selectSchema(db, v.project, v.name, true);
    if (!current) throw await schemaNotFound(db, v.project, v.name);
    if (current.latest_version !== v.base) {
      throw latestVersionConflict(v.project, v.name, v.expected, current.latest_version);
    }
    const next = v.base + 1;
    const version = await insertVersion(db, { ...v, version: next });
    return { schema: await setLatestVersion(db, v.project, v.name, next), version };
  });
}
