import { selectProjectVersion } from "@guardian/authz";
import type { Queryable } from "@guardian/db";
import { LRUCache } from "lru-cache";
import { selectTarget } from "../sql/schema-versions.js";
import type { CatalogChange, CatalogFeed } from "./feed.js";

/** The concrete version a schema binding means now (see `selectTarget`). */
export interface SchemaTarget {
  /** Tells a schema apart from an earlier one of the same name that was deleted. */
  incarnation: string;
  /** The concrete version, or null when the schema has no such version. */
  version: number | null;
}

/**
 * The lookups of every config write, cached: whether a project exists, and which concrete
 * schema version a binding means. Only what exists is cached, so a project or schema created
 * anywhere is seen at once; a change or deletion is seen at once in the process that made it
 * (through {@link CatalogCache.changed}) and right after it commits in every other process
 * (through the feed). While the feed is not live, every lookup reads PostgreSQL.
 */
export interface CatalogCache {
  projectExists(project: string): Promise<boolean>;
  /** The target of (name, version) in a project, 0 meaning the latest; undefined: no schema. */
  schemaTarget(project: string, name: string, version: number): Promise<SchemaTarget | undefined>;
  /** Forgets what a change made by this process touched, here and in every cache of the feed. */
  changed(change: CatalogChange): void;
  /** Stops following the feed. */
  close(): void;
}

/**
 * Creates the catalog cache over `db`, kept correct by `feed`. A lookup that started before
 * a change was heard never stores its (possibly older) answer.
 */
export function createCatalogCache(
  db: Queryable,
  feed: CatalogFeed,
  opts: { maxEntries?: number } = {},
): CatalogCache {
  const max = opts.maxEntries ?? 1_000;
  const projects = new LRUCache<string, { exists: true }>({ max });
  const targets = new LRUCache<string, SchemaTarget>({ max });
  // Bumped by every change heard: an answer read before it is not stored after it.
  let generation = 0;
  // Lookups on their way, shared by callers that miss the same key meanwhile.
  const readingProjects = new Map<string, Promise<{ exists: true } | undefined>>();
  const readingTargets = new Map<string, Promise<SchemaTarget | undefined>>();

  const forget = (change: CatalogChange | "all") => {
    generation++;
    readingProjects.clear();
    readingTargets.clear();
    if (change === "all") {
      projects.clear();
      targets.clear();
      return;
    }
    const prefix =
      change.schema === undefined
        ? `${change.project}\u0000`
        : `${change.project}\u0000${change.schema}\u0000`;
    if (change.schema === undefined) projects.delete(change.project);
    for (const key of [...targets.keys()]) if (key.startsWith(prefix)) targets.delete(key);
  };
  const unsubscribe = feed.subscribe(forget);

  function cached<V extends object>(
    cache: LRUCache<string, V>,
    reading: Map<string, Promise<V | undefined>>,
    key: string,
    read: () => Promise<V | undefined>,
    keep: (value: V) => boolean = () => true,
  ): Promise<V | undefined> {
    if (!feed.live()) return read();
    const hit = cache.get(key);
    if (hit !== undefined) return Promise.resolve(hit);
    const pending = reading.get(key);
    if (pending) return pending;
    const before = generation;
    const lookup = read()
      .then((value) => {
        if (value !== undefined && keep(value) && generation === before && feed.live()) {
          cache.set(key, value);
        }
        return value;
      })
      .finally(() => {
        if (reading.get(key) === lookup) reading.delete(key);
      });
    reading.set(key, lookup);
    return lookup;
  }

  return {
    async projectExists(project) {
      const found = await cached(projects, readingProjects, project, async () =>
        (await selectProjectVersion(db, project)) === undefined
          ? undefined
          : { exists: true as const },
      );
      return found !== undefined;
    },
    schemaTarget(project, name, version) {
      return cached(
        targets,
        readingTargets,
        `${project}\u0000${name}\u0000${version}`,
        () => selectTarget(db, project, name, version),
        // A missing version is not cached: it may be added any moment.
        (target) => target.version !== null,
      );
    },
    changed: (change) => feed.publish(change),
    close: unsubscribe,
  };
}
