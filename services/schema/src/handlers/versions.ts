import type { ServiceImpl } from "@connectrpc/connect";
import type { SchemaService } from "@guardian/api";
import { definePaging, pageSize, principalOf } from "@guardian/kit";
import { breakingConfigsError, findBreakingConfigs } from "../bound-configs.js";
import { sameVersion } from "../candidates.js";
import { checkAddSchemaVersionRequest, checkListSchemaVersionsRequest } from "../check.js";
import { schemaToProto, versionToProto } from "../convert.js";
import type { HandlerDeps } from "../deps.js";
import { latestVersionConflict, schemaNotFound } from "../error-map.js";
import { listVersions } from "../sql/schema-versions.js";
import { appendVersion, loadLatest } from "../sql/schema-writes.js";
import { selectSchema } from "../sql/schemas.js";

// ListSchemaVersions pages continue below version `b`.
const paging = definePaging({ b: "int" });

type VersionHandlers = Pick<
  ServiceImpl<typeof SchemaService>,
  "addSchemaVersion" | "listSchemaVersions"
>;

/**
 * Creates the handlers of schema versions. A new version is checked against every config
 * that follows the latest version first, and refused when it would break one (unless forced).
 */
export function createVersionHandlers(deps: HandlerDeps): VersionHandlers {
  const { pool, store, registry, candidates } = deps;
  return {
    async addSchemaVersion(req, ctx) {
      const input = checkAddSchemaVersionRequest(req);
      const compiled = await candidates.compile(input, ctx.signal);
      const { project, name } = req;
      const base = await loadLatest(pool, project, name);
      const baseVersion = base.schema.latest_version;
      const expected = req.expectedLatestVersion ?? baseVersion;
      if (expected !== baseVersion) {
        throw latestVersionConflict(project, name, expected, baseVersion);
      }
      if (sameVersion(input, base.latest)) {
        return {
          schema: schemaToProto(base.schema),
          schemaVersion: versionToProto(base.latest),
          created: false,
          warnings: compiled.warnings,
        };
      }
      const report = await findBreakingConfigs(
        store,
        project,
        name,
        candidates.against(compiled, ctx.signal),
        ctx.signal,
      );
      if (report.breakingCount > 0n && !req.force) {
        throw breakingConfigsError(report, `schema "${name}" v${baseVersion + 1}`);
      }
      const written = await appendVersion(pool, {
        ...req,
        ...input,
        dialect: compiled.dialect,
        createdBy: principalOf(ctx).name,
        base: baseVersion,
        expected,
        forced: report.breakingCount > 0n,
      });
      registry.invalidate(project, name);
      return {
        schema: schemaToProto(written.schema),
        schemaVersion: versionToProto(written.version),
        created: true,
        checkedCount: report.checkedCount,
        revision: report.revision,
        breaking: report.breaking,
        breakingCount: report.breakingCount,
        warnings: compiled.warnings,
      };
    },

    async listSchemaVersions(req, ctx) {
      checkListSchemaVersionsRequest(req);
      const limit = pageSize(req.pageSize);
      const page = paging.read(ctx, req);
      const rows = await listVersions(pool, {
        project: req.project,
        name: req.name,
        before: Number(page?.b ?? 0n),
        limit: limit + 1,
        withContent: req.includeContent,
      });
      if (rows.length === 0 && !(await selectSchema(pool, req.project, req.name))) {
        throw await schemaNotFound(pool, req.project, req.name);
      }
      const { items, nextPageToken } = paging.page(ctx, req, rows, limit, (last) => ({
        b: BigInt(last.version),
      }));
      return { schemaVersions: items.map(versionToProto), nextPageToken };
    },
  };
}
