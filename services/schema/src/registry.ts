import { LRUCache } from "lru-cache";
import type pg from "pg";
import type { DialectName } from "./engine/dialect-names.js";
import { schemaNotFound, toSchemaError, versionNotFound } from "./error-map.js";
import { selectTarget, selectVersion } from "./sql/schema-versions.js";
import type { CatalogCache } from "./catalog/cache.js";
import type { ResolvedSchema, SchemaRegistry } from "./contract.js";
import type { SchemaWorkers } from "./workers/schema-workers.js";

/** Options for {@link createSchemaRegistry}. */
export interface SchemaRegistryOptions {
  /** The worker threads that compile and validate; they cache compiled validators. */
  workers: SchemaWorkers;
  /** How many schema versions to keep resolved; the least recently used go first. */
  maxEntries?: number;
  /**
   * Caches which concrete version a binding means, kept correct by the catalog feed. Without
   * it every resolve reads PostgreSQL.
   */
  catalog?: CatalogCache;
}

/**
 * Creates the schema registry over the schema tables. Which concrete version a binding means
 * comes from the catalog cache (or, without one, from a primary-key lookup per resolve), so a
 * version added or a schema deleted is seen at once in the process that did it and right
 * after it commits elsewhere. Version contents, which never change, are cached here, and the
 * workers cache what they compiled from them under the same concrete version.
 */
export function createSchemaRegistry(pool: pg.Pool, opts: SchemaRegistryOptions): SchemaRegistry {
  const { workers, catalog } = opts;
  const cache = new LRUCache<string, Promise<ResolvedSchema>>({ max: opts.maxEntries ?? 256 });
  const prefixOf = (project: string, name: string) => `${project}\u0000${name}\u0000`;

  async function load(key: string, project: string, name: string, version: number) {
    const row = await selectVersion(pool, project, name, version);
    // `false` is a schema document too: only a missing row or content means no version.
    if (!row || row.content === null) throw versionNotFound(project, name, version);
    const source = {
      key,
      content: JSON.stringify(row.content),
      dialect: row.dialect as DialectName,
      formats: row.format_mode,
    };
    const resolved: ResolvedSchema = {
      project,
      name,
      version,
      async validate(documentText, signal, lane) {
        const [violations] = await workers.validate(source, [documentText], signal, lane);
        return violations ?? [];
      },
    };
    return resolved;
  }

  async function resolve(project: string, name: string, version: number) {
    try {
      const target = catalog
        ? await catalog.schemaTarget(project, name, version)
        : await selectTarget(pool, project, name, version);
      if (!target) throw await schemaNotFound(pool, project, name);
      if (target.version === null) throw versionNotFound(project, name, version);
      // The incarnation keeps a re-created schema from hitting the old one's validators.
      const key = `${prefixOf(project, name)}${target.incarnation}\u0000${target.version}`;
      let entry = cache.get(key);
      if (!entry) {
        const loading = load(key, project, name, target.version);
        cache.set(key, loading);
        loading.catch(() => {
          if (cache.peek(key) === loading) cache.delete(key);
        });
        entry = loading;
      }
      return await entry;
    } catch (err) {
      throw toSchemaError(err);
    }
  }

  return {
    resolve,
    invalidate(project, name) {
      catalog?.changed({ project, schema: name });
      const prefix = prefixOf(project, name);
      for (const key of [...cache.keys()]) {
        if (key.startsWith(prefix)) cache.delete(key);
      }
    },
  };
}
