import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ConnectRouter, HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  StoreEventType,
  StoreService,
  WriteOp,
  type WatchKeysRequest,
  type WatchKeysResponseSchema,
} from "@guardian/api";
import { definePaging, pageSize } from "@guardian/kit";
import {
  checkGetRequest,
  checkRangeRequest,
  checkWatchRequest,
  checkWriteRequest,
} from "./check.js";
import { durationMs, kvToProto, metaFromProto, recordToProto } from "./convert.js";
import { StoreError } from "./engine/errors.js";
import { recordToKeyValue } from "./engine/records.js";
import type { StoreEngine } from "./engine/types.js";
import { toStoreConnectError } from "./error-map.js";

// Range pages continue after key `a` at revision `r`; revision pages continue below `b`.
const rangePaging = definePaging({ a: "text", r: "int" });
const revisionPaging = definePaging({ b: "int" });

/** Dependencies of the store service routes. */
export interface StoreRoutesDeps {
  engine: StoreEngine;
}

/**
 * Creates the StoreService implementation over a store engine. Every handler runs
 * validate → (authorization happens in the interceptor) → engine call → map the result.
 */
export function createStoreService(deps: StoreRoutesDeps): ServiceImpl<typeof StoreService> {
  const { engine } = deps;
  return {
    async write(req) {
      const input = checkWriteRequest(req);
      try {
        const res = await engine.write({
          ...input,
          op: req.op === WriteOp.DELETE ? "delete" : "put",
          value: req.value,
          meta: metaFromProto(req.meta),
        });
        return {
          revision: res.revision,
          kv: kvToProto(recordToKeyValue(res.record)),
          idempotentReplay: res.idempotentReplay,
        };
      } catch (err) {
        throw toStoreConnectError(err, {
          project: req.project,
          key: req.key,
          expected: req.expectedVersion,
        });
      }
    },

    async get(req, ctx) {
      checkGetRequest(req);
      try {
        const res = await engine.get(req.project, req.key, {
          revision: req.revision || undefined,
          minRevision: req.minRevision || undefined,
          signal: ctx.signal,
        });
        return { kv: res.kv && kvToProto(res.kv), revision: res.revision };
      } catch (err) {
        throw toStoreConnectError(err);
      }
    },

    async range(req, ctx) {
      checkRangeRequest(req);
      const limit = pageSize(req.limit, "limit");
      const page = rangePaging.read(ctx, req);
      try {
        const res = await engine.range(req.project, req.prefix, {
          // Later pages read at the first page's revision, so pages never mix states.
          revision: page ? page.r : req.revision || undefined,
          minRevision: req.minRevision || undefined,
          limit,
          after: page?.a,
          schema: req.schema || undefined,
          labels: req.labelSelector,
          keysOnly: req.keysOnly,
          signal: ctx.signal,
        });
        const last = res.kvs[res.kvs.length - 1];
        return {
          kvs: res.kvs.map(kvToProto),
          revision: res.revision,
          count: res.count,
          nextPageToken: rangePaging.next(
            ctx,
            req,
            res.more && last ? { a: last.key, r: res.revision } : undefined,
          ),
        };
      } catch (err) {
        throw toStoreConnectError(err);
      }
    },

    async listKeyRevisions(req, ctx) {
      checkGetRequest(req);
      const page = revisionPaging.read(ctx, req);
      try {
        const res = await engine.listRevisions(req.project, req.key, {
          limit: pageSize(req.pageSize),
          before: page?.b,
        });
        const last = res.records[res.records.length - 1];
        return {
          records: res.records.map(recordToProto),
          revision: await engine.currentRevision(),
          nextPageToken: revisionPaging.next(
            ctx,
            req,
            res.more && last ? { b: last.revision } : undefined,
          ),
        };
      } catch (err) {
        throw toStoreConnectError(err);
      }
    },

    async getKeyRevision(req) {
      checkGetRequest(req);
      try {
        const record = await engine.getRevision(req.project, req.key, req.revision);
        if (!record) {
          throw new StoreError("not_found", `config "${req.key}" has no revision ${req.revision}`);
        }
        return { record: recordToProto(record) };
      } catch (err) {
        throw toStoreConnectError(err);
      }
    },

    async *watchKeys(req, ctx) {
      checkWatchRequest(req);
      yield* watchKeys(engine, req, ctx);
    },

    async listChanges(req) {
      try {
        const records = await engine.listChanges(req.afterRevision, pageSize(req.limit, "limit"));
        return { records: records.map(recordToProto), revision: await engine.currentRevision() };
      } catch (err) {
        throw toStoreConnectError(err);
      }
    },

    async getCompactionInfo() {
      try {
        const info = await engine.compactionInfo();
        return {
          compactRevision: info.compactRevision,
          currentRevision: info.currentRevision,
          retainedRevisionsPerConfig: info.retainedPerConfig,
          archivedRevision: info.archivedRevision,
          watchCacheStartRevision: info.compactRevision + 1n,
        };
      } catch (err) {
        throw toStoreConnectError(err);
      }
    },

    async markArchived(req) {
      try {
        return { archivedRevision: await engine.markArchived(req.revision) };
      } catch (err) {
        throw toStoreConnectError(err);
      }
    },
  };
}

async function* watchKeys(
  engine: StoreEngine,
  req: WatchKeysRequest,
  ctx: HandlerContext,
): AsyncGenerator<MessageInitShape<typeof WatchKeysResponseSchema>> {
  // The API's start revision is inclusive (like etcd) with 0 meaning "from now"; the engine
  // starts after a revision, so 1 becomes "after 0" (everything), never "from now".
  const after = req.startRevision > 0n ? req.startRevision - 1n : "now";
  const progressMs = durationMs(req.progressInterval) ?? 30_000;
  try {
    for await (const item of engine.watch(
      {
        project: req.project || undefined,
        key: req.key || undefined,
        prefix: req.prefix || undefined,
      },
      after,
      ctx.signal,
      progressMs,
    )) {
      switch (item.kind) {
        case "events": {
          const events = [];
          for (const r of item.events) {
            const prev =
              req.prevKv && r.previousRevision > 0n
                ? await engine.getRevision(r.project, r.key, r.previousRevision)
                : undefined;
            events.push({
              type: r.deleted ? StoreEventType.DELETE : StoreEventType.PUT,
              kv: kvToProto(recordToKeyValue(r)),
              prevKv: prev && kvToProto(recordToKeyValue(prev)),
            });
          }
          yield { kind: { case: "events", value: { events, revision: item.revision } } };
          break;
        }
        case "progress":
          yield { kind: { case: "progress", value: { revision: item.revision } } };
          break;
        case "compacted":
          yield {
            kind: {
              case: "compacted",
              value: {
                compactRevision: item.compactRevision,
                currentRevision: item.currentRevision,
              },
            },
          };
          return;
      }
    }
  } catch (err) {
    if (ctx.signal.aborted) return;
    throw toStoreConnectError(err);
  }
}

/** Registers `guardian.store.v1.StoreService` on a router. */
export function createStoreRoutes(deps: StoreRoutesDeps): (router: ConnectRouter) => void {
  return (router) => {
    router.service(StoreService, createStoreService(deps));
  };
}
