import type { ServiceImpl } from "@connectrpc/connect";
import type { StoreService } from "@guardian/api";
import { definePaging, pageSize } from "@guardian/kit";
import { checkGetRequest } from "../check.js";
import { recordToProto } from "../convert.js";
import type { StoreServiceDeps } from "../deps.js";
import { StoreError } from "../engine/errors.js";

// Revision pages continue below revision `b`.
const revisionPaging = definePaging({ b: "int" });

type HistoryHandlers = Pick<
  ServiceImpl<typeof StoreService>,
  "listKeyRevisions" | "getKeyRevision" | "listChanges"
>;

/** Creates the history handlers: one config's revisions, and every change after a revision. */
export function createHistoryHandlers({ engine }: StoreServiceDeps): HistoryHandlers {
  return {
    async listKeyRevisions(req, ctx) {
      checkGetRequest(req);
      const page = revisionPaging.read(ctx, req);
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
    },

    async getKeyRevision(req) {
      checkGetRequest(req);
      const record = await engine.getRevision(req.project, req.key, req.revision);
      if (!record) {
        throw new StoreError("not_found", `config "${req.key}" has no revision ${req.revision}`);
      }
      return { record: recordToProto(record) };
    },

    async listChanges(req) {
      const records = await engine.listChanges(req.afterRevision, pageSize(req.limit, "limit"));
      return { records: records.map(recordToProto), revision: await engine.currentRevision() };
    },
  };
}
