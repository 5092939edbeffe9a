import type { Value } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { StoreEventType, type KeyValue, type StoreEvent, type StoreService } from "@guardian/api";
import { createBackoff, sleep } from "@guardian/kit";
import { LRUCache } from "lru-cache";
import { contentPageLimit, defaultMaxConfigBytes } from "../deps.js";
import { readSnapshot } from "../store/snapshot.js";
import { CachedEntry } from "./cached-entry.js";
import { createAppliedRevision, unlessCanceled, within } from "./position.js";

/** One cached config: its version and its content, converted once per version. */
export interface CachedConfig {
  readonly version: bigint;
  /** Shared by every response for this version, so an unchanged config is never re-converted. */
  readonly content: Value;
  /** The config as the store holds it (metadata included), for GetConfig. */
  readonly kv: KeyValue;
}

/** What a cache read returns: the config (undefined when it does not exist) and the revision. */
export interface ReadCacheResult {
  config?: CachedConfig;
  /** The store revision the read reflects. */
  revision: bigint;
  /** 0, or whole seconds since the cache last heard from the store (see {@link ReadCache.staleSeconds}). */
  staleSeconds: number;
}

/**
 * The in-memory read cache behind ReadConfig. ONE store watch per process keeps it current;
 * a project's configs are loaded on its first read, and the projects read least recently
 * are dropped beyond a bound (each reloads on its next read).
 */
export interface ReadCache {
  /**
   * Reads one config. With `minRevision`, waits until the cache has applied that revision;
   * fails with OutOfRange when the store has not reached it, Unavailable after a timeout.
   * Every read also waits (up to the same timeout, then serves what it has) for the newest
   * revision this process wrote (see {@link ReadCache.wrote}).
   */
  read(
    project: string,
    key: string,
    opts?: {
      minRevision?: bigint;
      signal?: AbortSignal;
      /**
       * False to answer at once from what the cache holds, without waiting for this process's
       * own writes (for a caller that knows them already, such as the write basis).
       */
      ownWrites?: boolean;
    },
  ): Promise<ReadCacheResult>;
  /**
   * Tells the cache about a revision this process's own write committed (or that a version
   * conflict it answered reported as current), so that reads through this process see it once
   * the answer was given (read-your-writes), although the watch that feeds the cache may
   * deliver it a moment later.
   */
  wrote(revision: bigint): void;
  /** The newest store revision the cache has applied. */
  readonly revision: bigint;
  /**
   * The newest store revision this process knows was committed: the applied one, its own
   * writes, and the store's revision seen when a read waited for one.
   */
  readonly knownRevision: bigint;
  /** When the store watch last delivered events or progress (epoch milliseconds). */
  readonly lastWatchItemAt: number;
  /**
   * 0 while the cache is current; otherwise the whole seconds (at least 1) since its store
   * watch last delivered events or progress, once that is longer than `staleAfterMs`. The
   * store withholds progress while it cannot reach its source of truth (an etcd quorum).
   */
  staleSeconds(): number;
}

/** Options for {@link createReadCache}. */
export interface ReadCacheOptions {
  store: Client<typeof StoreService>;
  /** Ends the cache's store watch (the process shutting down). */
  signal: AbortSignal;
  /** The config size limit, to size snapshot pages. Default 1 MiB. */
  maxConfigBytes?: number;
  /** How long a read waits for its min_revision. Default 3 s. */
  minRevisionTimeoutMs?: number;
  /**
   * How many projects the cache holds at most; the one read least recently is dropped first
   * and reloads on its next read. Default 1,000.
   */
  maxProjects?: number;
  /**
   * How long the store watch may stay silent before reads are marked stale. The cache asks
   * for progress at least twice as often. Default 10 s.
   */
  staleAfterMs?: number;
  /** Called with each failure of the store watch before it is re-opened. */
  onError?: (err: unknown) => void;
}

interface ProjectState {
  configs: Map<string, CachedConfig>;
  /** The revision of the snapshot the configs were loaded at; older events are in it. */
  loadedAt: bigint;
  /** Events that arrived while the snapshot was loading. */
  pending?: StoreEvent[];
  loading: Promise<void>;
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Creates the read cache and starts its store watch over every project. When the store says
 * the watch's start revision was compacted, the cache forgets every project (each reloads on
 * its next read) and follows the store from its current revision.
 */
export function createReadCache(opts: ReadCacheOptions): ReadCache {
  const { store, signal } = opts;
  const limit = contentPageLimit(opts.maxConfigBytes ?? defaultMaxConfigBytes);
  const projects = new LRUCache<string, ProjectState>({ max: opts.maxProjects ?? 1_000 });
  const position = createAppliedRevision();
  // Resolved once the current store watch has reported where it starts.
  let live = deferred();
  const timeoutMs = opts.minRevisionTimeoutMs ?? 3_000;
  const staleAfterMs = opts.staleAfterMs ?? 10_000;
  // The store clamps the interval to at least 1 s.
  const progressMs = Math.max(1_000, Math.floor(staleAfterMs / 2));
  const progressInterval = {
    seconds: BigInt(Math.floor(progressMs / 1_000)),
    nanos: (progressMs % 1_000) * 1_000_000,
  };
  // When the store watch last delivered events or progress (monotonic milliseconds).
  let heardAt = performance.now();
  const staleSeconds = () => {
    const silentMs = performance.now() - heardAt;
    return silentMs > staleAfterMs ? Math.max(1, Math.floor(silentMs / 1_000)) : 0;
  };

  const entryOf = (kv: KeyValue): CachedConfig => new CachedEntry(kv);

  function applyTo(state: ProjectState, ev: StoreEvent) {
    const kv = ev.kv;
    if (!kv || kv.version <= state.loadedAt) return;
    if (ev.type === StoreEventType.DELETE) state.configs.delete(kv.key);
    else state.configs.set(kv.key, entryOf(kv));
  }

  // The newest revision the store reported when a read asked for one.
  let storeRevision = 0n;

  async function follow() {
    let from = 0n;
    const backoff = createBackoff({ initialMs: 100, maxMs: 5_000 });
    // Whether the last stream ended on expired service credentials with nothing delivered
    // since the one before it did (then the failure is not an expiry).
    let renewed = false;
    while (!signal.aborted) {
      try {
        const stream = store.watchKeys(
          { project: "", startRevision: from, progressInterval },
          { signal },
        );
        let compacted = false;
        for await (const res of stream) {
          const k = res.kind;
          if (k.case === "events" || k.case === "progress") heardAt = performance.now();
          if (k.case === "events") {
            for (const ev of k.value.events) {
              const state = ev.kv && projects.peek(ev.kv.project);
              if (state?.pending) state.pending.push(ev);
              else if (state) applyTo(state, ev);
            }
            position.advance(k.value.revision);
            from = k.value.revision + 1n;
          } else if (k.case === "progress") {
            position.advance(k.value.revision);
            from = k.value.revision + 1n;
            live.resolve();
          } else if (k.case === "compacted") {
            // Changes since `from` are lost: forget every project (each reloads on its next
            // read) and follow the store from its current revision.
            compacted = true;
            projects.clear();
            live = deferred();
            from = 0n;
          }
          backoff.reset();
          renewed = false;
        }
        if (!compacted && !signal.aborted) throw new Error("the store ended the watch");
      } catch (err) {
        if (signal.aborted) return;
        // A remote store ends its streams when this process's service token expires; the
        // next call carries a fresh one.
        if (!renewed && err instanceof ConnectError && err.code === Code.Unauthenticated) {
          renewed = true;
          continue;
        }
        opts.onError?.(err);
        await sleep(backoff.next(), signal);
      }
    }
  }
  void follow();

  function load(project: string): ProjectState {
    const state: ProjectState = {
      configs: new Map(),
      loadedAt: 0n,
      pending: [],
      loading: Promise.resolve(),
    };
    projects.set(project, state);
    state.loading = (async () => {
      if (!(await within(live.promise, timeoutMs))) {
        throw new ConnectError("the read cache is not connected to the store", Code.Unavailable);
      }
      // At least the watch's position: every later change reaches the cache through the watch.
      const pages = readSnapshot(
        store,
        { project },
        { limit, minRevision: position.value, signal },
      );
      for await (const page of pages) {
        for (const kv of page.kvs) state.configs.set(kv.key, entryOf(kv));
        state.loadedAt = page.revision;
      }
      const pending = state.pending ?? [];
      state.pending = undefined;
      for (const ev of pending) applyTo(state, ev);
    })();
    state.loading.catch(() => {
      if (projects.peek(project) === state) projects.delete(project);
    });
    return state;
  }

  async function reach(project: string, key: string, revision: bigint, readSignal?: AbortSignal) {
    if (position.value >= revision) return;
    // Tell a revision that does not exist yet from one the cache has not applied yet.
    const info = await store.getCompactionInfo({}, { signal: readSignal });
    if (info.currentRevision > storeRevision) storeRevision = info.currentRevision;
    if (info.currentRevision < revision) {
      // A store instance on etcd knows the revisions it wrote or watched, and another
      // instance may have committed this one already: a store read at the revision asks
      // etcd, and fails with OutOfRange only when the revision does not exist yet.
      await store.get({ project, key, minRevision: revision }, { signal: readSignal });
    }
    if (await position.reach(revision, timeoutMs, readSignal)) return;
    throw new ConnectError(
      `the read cache has not reached revision ${revision} yet; retry`,
      Code.Unavailable,
    );
  }

  // The newest revision this process wrote.
  let written = 0n;

  return {
    async read(project, key, ro = {}) {
      if (ro.minRevision) await reach(project, key, ro.minRevision, ro.signal);
      // Best effort: should the watch stall, serving the cached state beats failing.
      if (ro.ownWrites !== false && written > position.value) {
        await position.reach(written, timeoutMs, ro.signal);
      }
      for (;;) {
        const state = projects.get(project) ?? load(project);
        // The load serves every reader of the project: a caller that gives up stops waiting.
        await unlessCanceled(state.loading, ro.signal);
        // A project dropped while it loaded no longer follows the watch: read it again.
        if (projects.peek(project) !== state) continue;
        const revision = position.value > state.loadedAt ? position.value : state.loadedAt;
        return { config: state.configs.get(key), revision, staleSeconds: staleSeconds() };
      }
    },
    wrote(revision) {
      if (revision > written) written = revision;
    },
    get revision() {
      return position.value;
    },
    get knownRevision() {
      const known = written > storeRevision ? written : storeRevision;
      return known > position.value ? known : position.value;
    },
    get lastWatchItemAt() {
      return Date.now() - (performance.now() - heardAt);
    },
    staleSeconds,
  };
}
