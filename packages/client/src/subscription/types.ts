import type { JsonValue } from "@bufbuild/protobuf";
import type { ConnectError } from "@connectrpc/connect";

/** What a subscription watches in its project: one key, a key prefix, or everything. */
export type WatchTarget = { key: string } | { prefix: string } | Record<string, never>;

/**
 * One config in a subscription's copy. `T` is the content's type: JSON by default, or a type
 * the caller knows the config's schema guarantees (`guardian codegen` writes such types).
 */
export interface ConfigEntry<T = JsonValue> {
  key: string;
  /** The JSON document. */
  content: T;
  /** The revision of the config's last write (the value for expected_version). */
  version: bigint;
  /** The revision that created the config. */
  createRevision: bigint;
  schema: string;
  /** The pinned schema version, 0 to follow the latest. */
  schemaVersion: number;
  /** The schema version the content was validated against. */
  validatedSchemaVersion: number;
  labels: Record<string, string>;
  createdBy: string;
  updatedBy: string;
  /** ISO 8601 times, when the server sent them. */
  createTime?: string;
  updateTime?: string;
}

/**
 * One change of the copy. `revision` is the revision the copy reflects once the change is
 * applied: the write's own revision for a live change, the snapshot's revision for a change
 * found by comparing a snapshot with the previous copy.
 */
export type ConfigChange<T = JsonValue> =
  | { type: "created"; key: string; revision: bigint; config: ConfigEntry<T> }
  | {
      type: "updated";
      key: string;
      revision: bigint;
      config: ConfigEntry<T>;
      previous: ConfigEntry<T>;
    }
  | { type: "deleted"; key: string; revision: bigint; previous: ConfigEntry<T> };

/** The state a {@link SubscriptionCache} keeps: the copy, with what it belongs to. */
export interface CachedState {
  project: string;
  target: WatchTarget;
  /** The revision the copy reflects. */
  revision: bigint;
  configs: ConfigEntry[];
}

/**
 * Where a subscription keeps its last known good copy. `load()` resolves undefined when
 * there is nothing (or nothing usable) to load; it should not throw. See `fileCache`.
 */
export interface SubscriptionCache {
  load(): Promise<CachedState | undefined>;
  save(state: CachedState): Promise<void>;
}

/** Receives warnings (a cache that cannot be read or written). */
export interface ClientLogger {
  warn(message: string, ...details: unknown[]): void;
}

/** Options of `subscribe`. */
export interface SubscribeOptions {
  /** The last known good copy, used while the server cannot be reached. */
  cache?: SubscriptionCache;
  /** How long after a change the cache is written. Default 250 ms. */
  cacheDelayMs?: number;
  /** Ask the server for a bookmark after this much silence. Default: the server's (30 s). */
  bookmarkIntervalMs?: number;
  /** The first retry delay's ceiling. Default 200 ms. */
  retryInitialMs?: number;
  /** The largest retry delay. Default 10 s. */
  retryMaxMs?: number;
  /** Told of each error the subscription recovers from, before it re-opens the stream. */
  onRetry?: (error: ConnectError) => void;
  /** Default: console. */
  logger?: ClientLogger;
}

/** A live, in-memory copy of the configs a watch covers. */
export interface Subscription<T = JsonValue> extends AsyncIterable<ConfigChange<T>> {
  /**
   * Resolves on the first complete view: the initial snapshot, or the cache when the server
   * cannot be reached (then `stale` is true). Rejects when the subscription fails first.
   */
  ready(): Promise<void>;
  /** The copy: key → config. Read-only; replaced as changes arrive. */
  current(): ReadonlyMap<string, Readonly<ConfigEntry<T>>>;
  get(key: string): Readonly<ConfigEntry<T>> | undefined;
  /** The revision the copy reflects (0 before the first view). */
  readonly revision: bigint;
  /** True while the copy comes from the cache and no live data has arrived yet. */
  readonly stale: boolean;
  /** The error that stopped the subscription, if one did. */
  readonly error: ConnectError | undefined;
  /** Calls `listener` with each change; returns a function that stops it. */
  onChange(listener: (change: ConfigChange<T>) => void): () => void;
  /** Stops watching, writes the cache, and ends every iterator. */
  close(): Promise<void>;
}
