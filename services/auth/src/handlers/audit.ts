import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  AuditResult,
  checkProjectName,
  type AuditEventFilter,
  type AuthService,
} from "@guardian/api";
import { type AuditQuery, listAuditEvents, projectExists } from "@guardian/authz";
import { definePaging, failOn, pageSize, type PagingContext } from "@guardian/kit";
import { checkAuditFilter } from "../check.js";
import { auditToProto } from "../convert.js";
import type { AuthServiceDeps } from "../deps.js";
import { projectNotFound } from "../error-map.js";

// Audit pages continue below event id `b`.
const paging = definePaging({ b: "int" });

type AuditHandlers = Pick<
  ServiceImpl<typeof AuthService>,
  "listAuditEvents" | "listProjectAuditEvents"
>;

const resultNames: Partial<Record<AuditResult, string>> = {
  [AuditResult.OK]: "ok",
  [AuditResult.DENIED]: "denied",
  [AuditResult.FAILED]: "failed",
  [AuditResult.PENDING]: "pending",
};

function pattern(text: string): { text?: string; prefix: boolean } {
  if (text === "") return { prefix: false };
  return text.endsWith("*") ? { text: text.slice(0, -1), prefix: true } : { text, prefix: false };
}

/** Turns an API filter into the query of `listAuditEvents`. */
function queryOf(filter: AuditEventFilter | undefined): Omit<AuditQuery, "limit"> {
  if (!filter) return {};
  const action = pattern(filter.action);
  const target = pattern(filter.target);
  const result = resultNames[filter.result];
  return {
    ...(filter.actor ? { actor: filter.actor } : {}),
    ...(action.text !== undefined ? { action: action.text, actionPrefix: action.prefix } : {}),
    ...(target.text !== undefined ? { target: target.text, targetPrefix: target.prefix } : {}),
    ...(filter.project ? { project: filter.project } : {}),
    ...(result ? { result } : {}),
    ...(filter.startTime ? { startTime: timestampDate(filter.startTime) } : {}),
    ...(filter.endTime ? { endTime: timestampDate(filter.endTime) } : {}),
  };
}

/** Creates ListAuditEvents and ListProjectAuditEvents. */
export function createAuditHandlers(deps: AuthServiceDeps): AuditHandlers {
  const { pool } = deps;

  const page = async (
    query: Omit<AuditQuery, "limit" | "beforeId">,
    req: { pageSize: number; pageToken: string },
    ctx: PagingContext,
  ) => {
    const limit = pageSize(req.pageSize);
    const position = paging.read(ctx, req);
    const rows = await listAuditEvents(pool, {
      ...query,
      ...(position === undefined ? {} : { beforeId: position.b.toString() }),
      limit: limit + 1,
    });
    const { items, nextPageToken } = paging.page(ctx, req, rows, limit, (last) => ({
      b: BigInt(last.id),
    }));
    return { events: items.map(auditToProto), nextPageToken };
  };

  return {
    async listAuditEvents(req, ctx) {
      checkAuditFilter(req.filter);
      return page(queryOf(req.filter), req, ctx);
    },

    async listProjectAuditEvents(req, ctx) {
      failOn([
        ["project", checkProjectName(req.project)],
        [
          "filter.project",
          req.filter?.project && req.filter.project !== req.project
            ? "must be empty or equal to project"
            : undefined,
        ],
      ]);
      checkAuditFilter(req.filter);
      if (!(await projectExists(pool, req.project))) throw projectNotFound(req.project);
      return page({ ...queryOf(req.filter), project: req.project }, req, ctx);
    },
  };
}
