import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  AuditResult,
  checkProjectName,
  type AuditEventFilter,
  type AuthService,
} from "@guardian/api";
import { decodePageToken, encodePageToken, pageSize } from "@guardian/kit";
import { check, checkAuditFilter } from "../check.js";
import { auditToProto } from "../convert.js";
import type { AuthServiceDeps } from "../deps.js";
import { projectNotFound } from "../error-map.js";
import { listAuditEvents, type AuditQuery } from "../sql/audit.js";
import { projectExists } from "../sql/role-bindings.js";

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
    fields: unknown,
  ) => {
    const limit = pageSize(req.pageSize);
    const position = decodePageToken(req.pageToken, fields);
    const rows = await listAuditEvents(pool, {
      ...query,
      ...(position?.b === undefined ? {} : { beforeId: position.b }),
      limit: limit + 1,
    });
    const events = rows.slice(0, limit);
    const last = events[events.length - 1];
    return {
      events: events.map(auditToProto),
      nextPageToken: rows.length > limit && last ? encodePageToken({ b: last.id }, fields) : "",
    };
  };

  return {
    async listAuditEvents(req) {
      checkAuditFilter(req.filter);
      const { pageToken: _token, ...fields } = req;
      return page(queryOf(req.filter), req, fields);
    },

    async listProjectAuditEvents(req) {
      check(
        ["project", checkProjectName(req.project)],
        [
          "filter.project",
          req.filter?.project && req.filter.project !== req.project
            ? "must be empty or equal to project"
            : undefined,
        ],
      );
      checkAuditFilter(req.filter);
      const { pageToken: _token, ...fields } = req;
      if (!(await projectExists(pool, req.project))) throw projectNotFound(req.project);
      return page({ ...queryOf(req.filter), project: req.project }, req, fields);
    },
  };
}
