import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Duration } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { ConfigService, WatchRequest, WatchResponseSchema } from "@guardian/api";
import { authorizeProject } from "../authorize.js";
import { checkWatchRequest } from "../check/configs.js";
import { contentFormOf, eventToChange, kvToConfig } from "../convert.js";
import { contentPageLimit, defaultMaxConfigBytes, type ConfigDeps } from "../deps.js";
import { requireProject } from "../require-project.js";
import { readSnapshot, type SnapshotScope } from "../store/snapshot.js";
import { binaryCodec } from "../watch/encoded-change.js";
import { createWatchHub } from "../watch/hub.js";

type WatchMessage = MessageInitShape<typeof WatchResponseSchema>;

const defaultBookmarkMs = 30_000;

/**
 * The longest a Watch stream stays silent: 5 minutes, half the idle timeout of the gateway's
 * stream routes, so that a bookmark always reaches the client before a proxy cuts the stream.
 */
export const maxBookmarkIntervalMs = 300_000;

/** The bookmark interval of a request: unset or zero means 30 s; clamped to 1 s..5 min. */
export function bookmarkIntervalMs(d: Duration | undefined): number {
  const ms = d ? Number(d.seconds) * 1000 + Math.floor(d.nanos / 1e6) : 0;
  return ms <= 0 ? defaultBookmarkMs : Math.min(Math.max(ms, 1_000), maxBookmarkIntervalMs);
}

/**
 * Creates the Watch handler. Each client stream follows ONE store WatchKeys stream (the
 * store instance fans out from its single upstream feed); when the store says the start
 * revision is compacted, the stream sends a Resync and a snapshot, then watches on.
 */
export function createWatchHandler(
  deps: ConfigDeps,
): Pick<ServiceImpl<typeof ConfigService>, "watch"> {
  const { store } = deps;
  const hub = createWatchHub(store, { bufferEvents: deps.watchBufferEvents });
  const limit = contentPageLimit(deps.maxConfigBytes ?? defaultMaxConfigBytes);

  /** Streams the scope's state at one revision, optionally preceded by a Resync; returns it. */
  async function* snapshot(
    scope: SnapshotScope,
    ctx: HandlerContext,
    resync?: { startRevision: bigint; compactRevision: bigint },
  ): AsyncGenerator<WatchMessage, bigint> {
    let revision: bigint | undefined;
    for await (const page of readSnapshot(store, scope, { limit, signal: ctx.signal })) {
      if (revision === undefined) {
        revision = page.revision;
        if (resync) {
          yield { kind: { case: "resync", value: { ...resync, snapshotRevision: revision } } };
        }
      }
      const form = contentFormOf(ctx);
      const configs = page.kvs.map((kv) => kvToConfig(kv, form));
      yield { kind: { case: "snapshot", value: { configs, revision, last: page.last } } };
    }
    return revision ?? 0n;
  }

  /**
   * Serves the stream from the hub while it can; returns the next revision to deliver when
   * the hub hands the stream back (it then reads from the store itself).
   */
  async function* viaHub(
    scope: SnapshotScope & { key: string; prefix: string },
    next: bigint,
    bookmarkMs: number,
    ctx: HandlerContext,
    retainedAfter: bigint,
  ): AsyncGenerator<WatchMessage, bigint> {
    const { signal } = ctx;
    const binary = binaryCodec(ctx.requestHeader.get("content-type"));
    const stream = await hub.open(scope, next, signal, retainedAfter);
    if (!stream) return next;
    try {
      for (const ev of stream.replay) {
        yield binary ? ev.encoded() : { kind: { case: "change", value: ev.change() } };
        next = ev.revision + 1n;
      }
      let item: Awaited<ReturnType<typeof stream.subscriber.next>> = "idle";
      for (;;) {
        if (item === "idle") {
          // Everything up to the revision a bookmark names has been sent.
          const queued = stream.subscriber.waiting();
          const revision = queued === undefined ? stream.revision() : queued - 1n;
          yield { kind: { case: "bookmark", value: { revision } } };
          next = revision + 1n;
        } else if ("kind" in item) {
          return next;
        } else {
          yield binary ? item.encoded() : { kind: { case: "change", value: item.change() } };
          next = item.revision + 1n;
        }
        item = await stream.subscriber.next(signal, bookmarkMs);
      }
    } finally {
      stream.close();
    }
  }

  /**
   * Fails with OutOfRange unless `revision` is committed. A store instance on etcd knows the
   * revisions it wrote or watched, and another instance may have committed later ones, so a
   * read at least at the revision asks etcd before the watch is refused.
   */
  async function confirmCommitted(
    revision: bigint,
    scope: { project: string; key: string; prefix: string },
    signal: AbortSignal,
  ): Promise<void> {
    try {
      await store.range(
        {
          project: scope.project,
          prefix: scope.key || scope.prefix,
          minRevision: revision,
          limit: 1,
          keysOnly: true,
        },
        { signal },
      );
    } catch (err) {
      const e = ConnectError.from(err);
      if (e.code !== Code.OutOfRange) throw err;
      throw new ConnectError(
        `start_revision ${revision + 1n} is ahead of the store: ${e.rawMessage}`,
        Code.OutOfRange,
      );
    }
  }

  return {
    async *watch(req: WatchRequest, ctx) {
      checkWatchRequest(req);
      const t = req.target;
      authorizeProject(
        ctx,
        req.project,
        t.case === "key" ? { key: t.value } : { prefix: t.value ?? "" },
      );
      await requireProject(deps, req.project);
      const scope = {
        project: req.project,
        key: t.case === "key" ? t.value : "",
        prefix: t.case === "prefix" ? t.value : "",
      };
      let retainedAfter = 0n;
      if (req.startRevision > 1n) {
        const info = await store.getCompactionInfo({}, { signal: ctx.signal });
        if (req.startRevision > info.currentRevision + 1n) {
          await confirmCommitted(req.startRevision - 1n, scope, ctx.signal);
        }
        retainedAfter = info.compactRevision;
      }
      const form = contentFormOf(ctx);
      const ms = bookmarkIntervalMs(req.bookmarkInterval);
      const progressInterval = { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
      // The next revision to deliver; 0 means "from now".
      let next = req.startRevision;
      if (req.sendInitialSnapshot) next = (yield* snapshot(scope, ctx)) + 1n;
      if (!req.includePrevious) next = yield* viaHub(scope, next, ms, ctx, retainedAfter);
      // Whether the last store stream ended on expired service credentials with nothing
      // delivered since the one before it did (then the failure is not an expiry).
      let renewed = false;
      while (!ctx.signal.aborted) {
        let compactRevision: bigint | undefined;
        const stream = store.watchKeys(
          { ...scope, startRevision: next, prevKv: req.includePrevious, progressInterval },
          { signal: ctx.signal },
        );
        try {
          for await (const res of stream) {
            renewed = false;
            const k = res.kind;
            if (k.case === "events") {
              for (const ev of k.value.events) {
                yield {
                  kind: { case: "change", value: eventToChange(ev, req.includePrevious, form) },
                };
              }
              next = k.value.revision + 1n;
            } else if (k.case === "progress") {
              yield { kind: { case: "bookmark", value: { revision: k.value.revision } } };
              next = k.value.revision + 1n;
            } else if (k.case === "compacted") {
              compactRevision = k.value.compactRevision;
            }
          }
        } catch (err) {
          // A remote store ends its streams when this process's service token expires; the
          // next call carries a fresh one, so the watch follows on from where it stopped.
          if (ctx.signal.aborted || renewed || !isExpiry(err)) throw err;
          renewed = true;
          continue;
        }
        if (compactRevision === undefined) {
          if (ctx.signal.aborted) return;
          throw new ConnectError("the store ended the watch; re-open it", Code.Unavailable);
        }
        const resync = { startRevision: next, compactRevision };
        next = (yield* snapshot(scope, ctx, resync)) + 1n;
      }
    },
  };
}

function isExpiry(err: unknown): boolean {
  return err instanceof ConnectError && err.code === Code.Unauthenticated;
}
