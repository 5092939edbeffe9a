import type { MessageInitShape } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  StoreEventType,
  type StoreService,
  type WatchKeysRequest,
  type WatchKeysResponseSchema,
} from "@guardian/api";
import { checkWatchRequest } from "../check.js";
import { durationMs, kvToProto } from "../convert.js";
import type { StoreServiceDeps } from "../deps.js";
import { recordToKeyValue } from "../engine/records.js";
import type { StoreEngine } from "../engine/types.js";

type WatchHandlers = Pick<ServiceImpl<typeof StoreService>, "watchKeys">;

/** Creates the watch handler: a stream of changes from a start revision, with progress. */
export function createWatchHandlers({ engine }: StoreServiceDeps): WatchHandlers {
  return {
    async *watchKeys(req, ctx) {
      checkWatchRequest(req);
      yield* watchKeys(engine, req, ctx);
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
  const scope = {
    project: req.project || undefined,
    key: req.key || undefined,
    prefix: req.prefix || undefined,
  };
  try {
    for await (const item of engine.watch(scope, after, ctx.signal, progressMs)) {
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
    // A client that went away ended its own stream: nothing to report.
    if (ctx.signal.aborted) return;
    throw err;
  }
}
