import type { ServiceImpl } from "@connectrpc/connect";
import type { StoreService } from "@guardian/api";
import { definePaging, pageSize } from "@guardian/kit";
import { checkGetRequest, checkRangeRequest } from "../check.js";
import { kvToProto } from "../convert.js";
import type { StoreServiceDeps } from "../deps.js";

// Range pages continue after key `a` at revision `r`.
const rangePaging = definePaging({ a: "text", r: "int" });

type ReadHandlers = Pick<ServiceImpl<typeof StoreService>, "get" | "range">;

/** Creates the read handlers: one config, or a key prefix, now or at a past revision. */
export function createReadHandlers({ engine }: StoreServiceDeps): ReadHandlers {
  return {
    async get(req, ctx) {
      checkGetRequest(req);
      const res = await engine.get(req.project, req.key, {
        revision: req.revision || undefined,
        minRevision: req.minRevision || undefined,
        signal: ctx.signal,
      });
      return { kv: res.kv && kvToProto(res.kv), revision: res.revision };
    },

    async range(req, ctx) {
      checkRangeRequest(req);
      const limit = pageSize(req.limit, "limit");
      const page = rangePaging.read(ctx, req);
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
    },
  };
}
