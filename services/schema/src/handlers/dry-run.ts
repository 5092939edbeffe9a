import type { ServiceImpl } from "@connectrpc/connect";
import type { SchemaService } from "@guardian/api";
import { findBreakingConfigs } from "../bound-configs.js";
import { sameVersion } from "../candidates.js";
import { checkDryRunSchemaVersionRequest } from "../check.js";
import type { HandlerDeps } from "../deps.js";
import { dialectToProto } from "../engine/dialect-names.js";
import { loadLatest } from "../sql/schema-writes.js";

type DryRunHandlers = Pick<ServiceImpl<typeof SchemaService>, "dryRunSchemaVersion">;

/** Creates the handler that tells what adding a version would do, writing nothing. */
export function createDryRunHandlers(deps: HandlerDeps): DryRunHandlers {
  const { pool, store, candidates } = deps;
  return {
    async dryRunSchemaVersion(req, ctx) {
      const input = checkDryRunSchemaVersionRequest(req);
      const compiled = await candidates.compile(input, ctx.signal);
      const { schema, latest } = await loadLatest(pool, req.project, req.name);
      const unchanged = sameVersion(input, latest);
      const report = await findBreakingConfigs(
        store,
        req.project,
        req.name,
        candidates.against(compiled, ctx.signal),
        ctx.signal,
      );
      return {
        wouldBreak: report.breaking,
        breakingCount: report.breakingCount,
        checkedCount: report.checkedCount,
        revision: report.revision,
        dialect: dialectToProto(compiled.dialect),
        nextVersion: unchanged ? schema.latest_version : schema.latest_version + 1,
        unchanged,
        warnings: compiled.warnings,
      };
    },
  };
}
