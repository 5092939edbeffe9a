import { internalError } from "@guardian/kit";
import type pg from "pg";
import { compileStored, type CompiledSchema } from "./compile.js";
import type { DialectName } from "./dialect.js";
import { toSchemaConnectError } from "./error-map.js";
import { schemaNotFound, versionNotFound } from "./errors.js";
import { selectTarget, selectVersion } from "./queries.js";
import type { ResolvedSchema, SchemaRegistry } from "./registry-types.js";

/** Options for {@link createSchemaRegistry}. */
export interface SchemaRegistryOptions {
  /** How many compiled schema versions to keep; the least recently used go first. */
  maxEntries?: number;
}

/**
 * Creates the schema registry over the schema tables. Every resolve reads which concrete
 * version is meant (one primary-key lookup), so a version added or a schema deleted by any
 * process is seen at once; only compiled validators, which never change for a version, are
 * cached.
 */
export function createSchemaRegistry(
  pool: pg.Pool,
  opts: SchemaRegistryOptions = {},
): SchemaRegistry {
  const maxEntries = opts.maxEntries ?? 256;
  const cache = new Map<string, Promise<ResolvedSchema>>();
  const prefixOf = (project: string, name: string) => `${project}\u0000${name}\u0000`;

  async function load(project: string, name: string, version: number): Promise<ResolvedSchema> {
    const row = await selectVersion(pool, project, name, version);
    // `false` is a schema document too: only a missing row or content means no version.
    if (!row || row.content === null) throw versionNotFound(project, name, version);
    let compiled: CompiledSchema;
    try {
      compiled = compileStored(row.content, row.dialect as DialectName, {
        formats: row.format_mode,
      });
    } catch (err) {
      throw internalError(err);
    }
    return { project, name, version, validate: compiled.validate };
  }

  async function resolve(project: string, name: string, version: number) {
    try {
      const target = await selectTarget(pool, project, name, version);
      if (!target) throw await schemaNotFound(pool, project, name);
      if (target.version === null) throw versionNotFound(project, name, version);
      // The incarnation keeps a re-created schema from hitting the old one's validators.
      const key = `${prefixOf(project, name)}${target.incarnation}\u0000${target.version}`;
      let entry = cache.get(key);
      if (entry) {
        cache.delete(key);
      } else {
        entry = load(project, name, target.version);
        const loading = entry;
        loading.catch(() => {
          if (cache.get(key) === loading) cache.delete(key);
        });
      }
      cache.set(key, entry);
      for (const oldest of cache.keys()) {
        if (cache.size <= maxEntries) break;
        cache.delete(oldest);
      }
      return await entry;
    } catch (err) {
      throw toSchemaConnectError(err);
    }
  }

  return {
    resolve,
    invalidate(project, name) {
      const prefix = prefixOf(project, name);
      for (const key of [...cache.keys()]) {
        if (key.startsWith(prefix)) cache.delete(key);
      }
    },
  };
}
