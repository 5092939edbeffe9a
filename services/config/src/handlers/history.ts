import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { ConfigService, StoredRevision } from "@guardian/api";
import { pageSize } from "@guardian/kit";
import { authorizeProject } from "../authorize.js";
import {
  checkDiffRevisionsRequest,
  checkGetRevisionRequest,
  checkListRevisionsRequest,
} from "../check/configs.js";
import { contentFormOf, jsonOf, recordToRevision } from "../convert.js";
import type { ConfigDeps } from "../deps.js";
import { configNotFound } from "../error-map.js";
import { diffJson } from "../document/json-patch.js";
import { requireProject } from "../require-project.js";
import { nextPageToken, storePageToken } from "../store/paging.js";
import { findRevision } from "../store/revisions.js";

type HistoryHandlers = Pick<
  ServiceImpl<typeof ConfigService>,
  "listRevisions" | "getRevision" | "diffRevisions"
>;

/** Creates the history handlers over the store (which merges its archive). */
export function createHistoryHandlers(deps: ConfigDeps): HistoryHandlers {
  const { store } = deps;

  /** The newest revision record of a config (a deletion included). */
  async function latest(ctx: HandlerContext, project: string, key: string) {
    const res = await store.listKeyRevisions({ project, key, pageSize: 1 }, { signal: ctx.signal });
    const rec = res.records[0];
    if (!rec) throw configNotFound(project, key);
    return rec;
  }

  const contentOf = (r: StoredRevision) => (r.deleted ? null : jsonOf(r.value));

  return {
    async listRevisions(req, ctx) {
      checkListRevisionsRequest(req);
      authorizeProject(ctx, req.project, { key: req.key });
      await requireProject(deps, req.project);
      const size = pageSize(req.pageSize);
      const from = storePageToken(ctx, req);
      // The store merges its retained revisions with the PostgreSQL archive, newest first.
      const res = await store.listKeyRevisions(
        { project: req.project, key: req.key, pageSize: size, pageToken: from ?? "" },
        { signal: ctx.signal },
      );
      const out = res.records;
      if (out.length === 0 && from === undefined) throw configNotFound(req.project, req.key);
      return {
        revisions: out.map((r) => recordToRevision(r, req.includeContent, contentFormOf(ctx))),
        nextPageToken: nextPageToken(ctx, req, res.nextPageToken),
      };
    },

    async getRevision(req, ctx) {
      checkGetRevisionRequest(req);
      authorizeProject(ctx, req.project, { key: req.key });
      await requireProject(deps, req.project);
      const rec = await findRevision(deps, ctx, req.project, req.key, req.revision);
      return { revision: recordToRevision(rec, true, contentFormOf(ctx)) };
    },

    async diffRevisions(req, ctx) {
      checkDiffRevisionsRequest(req);
      authorizeProject(ctx, req.project, { key: req.key });
      await requireProject(deps, req.project);
      const { project, key } = req;
      const to =
        req.toRevision > 0n
          ? await findRevision(deps, ctx, project, key, req.toRevision)
          : await latest(ctx, project, key);
      // Default base: the config's previous write; none (creation) means JSON null.
      const fromRevision = req.fromRevision > 0n ? req.fromRevision : to.previousRevision;
      const from =
        fromRevision > 0n ? await findRevision(deps, ctx, project, key, fromRevision) : undefined;
      const operations = diffJson(from ? contentOf(from) : null, contentOf(to)).map((op) => ({
        op: op.op,
        path: op.path,
        value: op.op === "remove" ? undefined : fromJson(ValueSchema, op.value as JsonValue),
      }));
      return { operations, fromRevision, toRevision: to.revision };
    },
  };
}
