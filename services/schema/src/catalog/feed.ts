/**
 * A change to the catalog: a project (with everything in it) or one schema of a project was
 * created, changed or deleted.
 */
export interface CatalogChange {
  project: string;
  /** The schema's name; unset when the change is to the project as a whole. */
  schema?: string;
}

/** What a subscriber hears: one change, or "all" when changes may have been missed. */
export type CatalogEvent = CatalogChange | "all";

/**
 * Where a process hears of changes to projects and schemas, so that caches of them stay
 * correct. Changes made in this process are published at once; changes made by other
 * processes arrive right after they commit (PostgreSQL LISTEN/NOTIFY).
 */
export interface CatalogFeed {
  /**
   * Whether every committed change reaches the subscribers. While it is false (the listener
   * is down), caches must not answer from memory.
   */
  live(): boolean;
  /** Tells every subscriber in this process about a change this process just made. */
  publish(change: CatalogChange): void;
  /** Calls `onEvent` for every change; returns the function that stops it. */
  subscribe(onEvent: (event: CatalogEvent) => void): () => void;
  /** Stops listening. */
  close(): Promise<void>;
}

/** The subscribers of a feed, told of every event in turn. */
export function createSubscribers() {
  const subscribers = new Set<(event: CatalogEvent) => void>();
  return {
    emit(event: CatalogEvent) {
      for (const onEvent of subscribers) onEvent(event);
    },
    subscribe(onEvent: (event: CatalogEvent) => void) {
      subscribers.add(onEvent);
      return () => void subscribers.delete(onEvent);
    },
  };
}

/**
 * Creates a feed that hears only the changes this process makes: right where one process
 * makes every change, as in embedded mode (PGlite has one backend and delivers no
 * notifications across connections), and in tests.
 */
export function createLocalCatalogFeed(): CatalogFeed {
  const subscribers = createSubscribers();
  return {
    live: () => true,
    publish: (change) => subscribers.emit(change),
    subscribe: subscribers.subscribe,
    close: () => Promise.resolve(),
  };
}
