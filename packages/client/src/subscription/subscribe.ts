import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { ConfigService, WatchResponse } from "@guardian/api";
import { createRetryBackoff, delay } from "../backoff.js";
import type { TokenProvider } from "../tokens/token-provider.js";
import { createCacheKeeper, type CacheKeeper } from "./cache-keeper.js";
import { createChangeFeed } from "./change-feed.js";
import { checkTarget, requestTarget } from "./target.js";
import type { ConfigChange, SubscribeOptions, Subscription, WatchTarget } from "./types.js";
import { applyEvent, diffCopies, entryOf, type Copy } from "./view.js";

/** What a subscription calls: the config client, and the token provider if there is one. */
export interface SubscriptionDeps {
  config: Client<typeof ConfigService>;
  tokenProvider?: TokenProvider;
}

/** Errors that retrying cannot fix: the subscription stops and reports them. */
const fatal = new Set([
  Code.PermissionDenied,
  Code.NotFound,
  Code.InvalidArgument,
  Code.Unimplemented,
]);

/** Unauthenticated answers in a row, with fresh tokens, before the subscription gives up. */
const maxAuthFailures = 3;

/**
 * Subscribes to the configs of `project` in `target` (see `GuardianClient.subscribe`): opens
 * ConfigService/Watch with an initial snapshot, keeps the copy current, and re-opens the
 * stream from the last revision it saw after any recoverable error.
 */
export function createSubscription(
  deps: SubscriptionDeps,
  project: string,
  targetIn: WatchTarget,
  opts: SubscribeOptions = {},
): Subscription {
  if (typeof project !== "string" || project === "") {
    throw new TypeError('subscribe: "project" is required (a non-empty string)');
  }
  const target = checkTarget(targetIn);
  const logger = opts.logger ?? console;
  const abort = new AbortController();
  const { signal } = abort;
  const feed = createChangeFeed((err) => logger.warn("guardian: a change listener threw", err));
  const backoff = createRetryBackoff({ initialMs: opts.retryInitialMs, maxMs: opts.retryMaxMs });

  let copy: Copy = new Map();
  let revision = 0n;
  let haveView = false;
  let stale = false;
  let error: ConnectError | undefined;
  let cacheTried = false;

  let settleReady: (err?: ConnectError) => void = () => {};
  const readyPromise = new Promise<void>((resolve, reject) => {
    settleReady = (err) => (err ? reject(err) : resolve());
  });
  readyPromise.catch(() => {});

  const keeper: CacheKeeper | undefined =
    opts.cache &&
    createCacheKeeper(
      opts.cache,
      project,
      target,
      () =>
        haveView && !stale ? { project, target, revision, configs: [...copy.values()] } : undefined,
      { delayMs: opts.cacheDelayMs ?? 250, logger },
    );

  const publish = (changes: ConfigChange[]) => {
    for (const change of changes) feed.publish(change);
    if (changes.length > 0) keeper?.schedule();
  };

  /** Adopts a complete snapshot: the first view, or a replacement of the copy. */
  const adoptSnapshot = (next: Copy, at: bigint) => {
    const changes = haveView ? diffCopies(copy, next, at) : [];
    copy = next;
    revision = at;
    stale = false;
    if (!haveView) {
      haveView = true;
      settleReady();
    }
    keeper?.schedule();
    publish(changes);
  };

  /** Falls back to the cache when the first view cannot come from the server. */
  const loadCache = async () => {
    if (!keeper || haveView || cacheTried) return;
    cacheTried = true;
    const s = await keeper.load();
    if (!s || haveView || signal.aborted) return;
    copy = new Map(s.configs.map((c) => [c.key, c]));
    revision = s.revision;
    stale = true;
    haveView = true;
    settleReady();
  };

  const fail = (err: ConnectError) => {
    error = err;
    settleReady(err);
    feed.end(err);
    abort.abort();
  };

  /** Applies one stream message; `pending` collects a snapshot until its last chunk. */
  let pending: Copy | undefined;
  const handle = (res: WatchResponse) => {
    const k = res.kind;
    if (k.case === "resync") {
      pending = new Map();
    } else if (k.case === "snapshot") {
      pending ??= new Map();
      for (const c of k.value.configs) pending.set(c.key, entryOf(c));
      if (k.value.last) {
        const next = pending;
        pending = undefined;
        adoptSnapshot(next, k.value.revision);
      }
    } else if (k.case === "change") {
      // Only changes after the revision the copy reflects: never twice, never backwards.
      if (!haveView || stale || k.value.revision <= revision) return;
      const change = applyEvent(copy, k.value);
      revision = k.value.revision;
      if (change) publish([change]);
    } else if (k.case === "bookmark") {
      if (haveView && !stale && k.value.revision > revision) revision = k.value.revision;
    }
  };

  async function run() {
    let authFailures = 0;
    // Whether the next stream must start with a snapshot (no live copy to resume from).
    let fromSnapshot = true;
    while (!signal.aborted) {
      let usedToken: string | undefined;
      try {
        usedToken = await deps.tokenProvider?.getToken();
        pending = undefined;
        const stream = deps.config.watch(
          {
            project,
            target: requestTarget(target),
            startRevision: fromSnapshot ? 0n : revision + 1n,
            sendInitialSnapshot: fromSnapshot,
            ...(opts.bookmarkIntervalMs !== undefined && {
              bookmarkInterval: durationOf(opts.bookmarkIntervalMs),
            }),
          },
          { signal },
        );
        for await (const res of stream) {
          authFailures = 0;
          backoff.reset();
          handle(res);
          fromSnapshot = !haveView || stale;
        }
        if (signal.aborted) return;
        throw new ConnectError("the server ended the watch", Code.Unavailable);
      } catch (err) {
        if (signal.aborted) return;
        const ce = ConnectError.from(err);
        if (fatal.has(ce.code)) return fail(ce);
        if (ce.code === Code.OutOfRange) fromSnapshot = true;
        if (ce.code === Code.Unauthenticated) {
          if (!deps.tokenProvider || ++authFailures >= maxAuthFailures) return fail(ce);
          const refreshed = await refreshToken(deps.tokenProvider, usedToken);
          if (refreshed) return fail(refreshed);
        }
        try {
          opts.onRetry?.(ce);
        } catch (listenerError) {
          logger.warn("guardian: onRetry threw", listenerError);
        }
        await loadCache();
        // After an expired token the first re-open is immediate; everything else backs off.
        if (ce.code !== Code.Unauthenticated || authFailures > 1) {
          await delay(backoff.next(), signal);
        }
      }
    }
  }

  // Anything run() did not expect stops the subscription instead of going unhandled.
  const running = run().catch((err: unknown) => fail(ConnectError.from(err)));

  return {
    ready: () => readyPromise,
    current: () => copy,
    get: (key) => copy.get(key),
    get revision() {
      return revision;
    },
    get stale() {
      return stale;
    },
    get error() {
      return error;
    },
    onChange: (listener) => feed.listen(listener),
    [Symbol.asyncIterator]: () => feed[Symbol.asyncIterator](),
    async close() {
      abort.abort();
      await running;
      await keeper?.flush();
      settleReady(error ?? new ConnectError("the subscription was closed", Code.Canceled));
      feed.end(error);
    },
  };
}

/** Forces a new token; returns the error that makes the subscription stop, if any. */
async function refreshToken(
  provider: TokenProvider,
  rejected: string | undefined,
): Promise<ConnectError | undefined> {
  try {
    await provider.refresh(rejected);
    return undefined;
  } catch (err) {
    const ce = ConnectError.from(err);
    return ce.code === Code.Unauthenticated || ce.code === Code.PermissionDenied ? ce : undefined;
  }
}

function durationOf(ms: number) {
  return { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}
