import type { ConnectRouter, HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { SchemaService, StoreService } from "@guardian/api";
import {
  definePaging,
  guardServiceClient,
  pageSize,
  principalOf,
  requestIdKey,
} from "@guardian/kit";
import type pg from "pg";
import {
  type CandidateInput,
  checkAddSchemaVersionRequest,
  checkCreateSchemaRequest,
  checkDeleteSchemaRequest,
  checkDryRunSchemaVersionRequest,
  checkGetSchemaRequest,
  checkListSchemasRequest,
  checkListSchemaVersionsRequest,
  checkSize,
  checkUpdateSchemaRequest,
  checkValidateDocumentRequest,
} from "./check.js";
import { auditSchemaMutations } from "./audit.js";
import {
  assertSchemaUnused,
  breakingConfigsError,
  findBreakingConfigs,
  type StoreClient,
  type ValidateTexts,
} from "./configs.js";
import { documentOf, jsonEqual, schemaToProto, versionToProto } from "./convert.js";
import { dialectToProto } from "./dialect.js";
import { toSchemaConnectError } from "./error-map.js";
import {
  latestVersionConflict,
  projectNotFound,
  schemaNotFound,
  versionNotFound,
} from "./errors.js";
import * as q from "./queries.js";
import type { VersionRow } from "./queries.js";
import { appendVersion, createSchemaWithVersion, loadLatest } from "./writes.js";
import type { SchemaRegistry } from "./registry-types.js";
import { validationFailure } from "./violations.js";
import type { CheckedCandidate, SchemaWorkers } from "./workers.js";

// Schema pages continue after name `a`; version pages below version `b`.
const namePaging = definePaging({ a: "text" });
const versionPaging = definePaging({ b: "int" });

/** Dependencies of the schema service routes. */
export interface SchemaRoutesDeps {
  /** The pool of the database holding `projects`, `schemas` and `schema_versions`. */
  pool: pg.Pool;
  /** A client of the store service, to read the configs bound to a schema. */
  store: StoreClient;
  /** The registry the config service validates with; told when a schema changes. */
  registry: SchemaRegistry;
  /** The worker threads that check candidate schemas and validate configs against them. */
  workers: SchemaWorkers;
  /** The largest schema document, in bytes of JSON. Default 256 KiB. */
  maxSchemaBytes?: number;
  /** The largest document ValidateDocument accepts (the config size limit). Default 1 MiB. */
  maxDocumentBytes?: number;
}

/**
 * Creates the SchemaService implementation. Every handler runs validate (including the
 * size limit and checking a candidate schema document) → (authorization happens in the
 * interceptor) → database and store calls → map the result.
 */
export function createSchemaService(deps: SchemaRoutesDeps): ServiceImpl<typeof SchemaService> {
  const { pool, registry, workers } = deps;
  // A broken connection to the store is Unavailable, never mistaken for a conflict.
  const store = guardServiceClient(StoreService, deps.store, ["write"]);
  const maxSchemaBytes = deps.maxSchemaBytes ?? 256 * 1024;
  const maxDocumentBytes = deps.maxDocumentBytes ?? 1024 * 1024;

  const candidate = ({ content, formatMode }: CandidateInput, ctx: HandlerContext) => {
    checkSize(content, maxSchemaBytes, "schema_size_bytes", "content");
    return workers.compile(content, ctx.signal, formatMode);
  };
  const against =
    (checked: CheckedCandidate, ctx: HandlerContext): ValidateTexts =>
    (documents) =>
      workers.validate(checked.source, documents, ctx.signal);

  async function guarded<T>(
    ctx: HandlerContext,
    about: { project: string; name?: string },
    fn: () => Promise<T>,
  ): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toSchemaConnectError(err, { ...about, requestId: ctx.values.get(requestIdKey) });
    }
  }

  return {
    async createSchema(req, ctx) {
      const input = checkCreateSchemaRequest(req);
      const compiled = await candidate(input, ctx);
      return guarded(ctx, req, async () => {
        const created = await createSchemaWithVersion(pool, {
          ...req,
          ...input,
          dialect: compiled.dialect,
          createdBy: principalOf(ctx).name,
        });
        // A deleted schema of the same name may still have cached validators.
        registry.invalidate(req.project, req.name);
        return {
          schema: schemaToProto(created.schema),
          schemaVersion: versionToProto(created.version),
          warnings: compiled.warnings,
        };
      });
    },

    async addSchemaVersion(req, ctx) {
      const input = checkAddSchemaVersionRequest(req);
      const compiled = await candidate(input, ctx);
      const { project, name } = req;
      return guarded(ctx, req, async () => {
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
          against(compiled, ctx),
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
      });
    },

    async updateSchema(req, ctx) {
      checkUpdateSchemaRequest(req);
      return guarded(ctx, req, async () => {
        const row = await q.updateDescription(pool, req.project, req.name, req.description);
        if (!row) throw await schemaNotFound(pool, req.project, req.name);
        return { schema: schemaToProto(row) };
      });
    },

    async getSchema(req, ctx) {
      checkGetSchemaRequest(req);
      return guarded(ctx, req, async () => {
        const schema = await q.selectSchema(pool, req.project, req.name);
        if (!schema) throw await schemaNotFound(pool, req.project, req.name);
        const number = req.version || schema.latest_version;
        const version = await q.selectVersion(pool, req.project, req.name, number);
        if (!version) throw versionNotFound(req.project, req.name, number);
        return { schema: schemaToProto(schema), schemaVersion: versionToProto(version) };
      });
    },

    async listSchemas(req, ctx) {
      checkListSchemasRequest(req);
      const limit = pageSize(req.pageSize);
      const page = namePaging.read(ctx, req);
      return guarded(ctx, req, async () => {
        const rows = await q.listSchemas(pool, req.project, page?.a ?? "", limit + 1);
        if (rows.length === 0 && !(await q.projectExists(pool, req.project))) {
          throw projectNotFound(req.project);
        }
        const shown = rows.slice(0, limit);
        const last = shown[shown.length - 1];
        return {
          schemas: shown.map(schemaToProto),
          nextPageToken: namePaging.next(
            ctx,
            req,
            rows.length > limit && last ? { a: last.name } : undefined,
          ),
        };
      });
    },

    async listSchemaVersions(req, ctx) {
      checkListSchemaVersionsRequest(req);
      const limit = pageSize(req.pageSize);
      const page = versionPaging.read(ctx, req);
      return guarded(ctx, req, async () => {
        const rows = await q.listVersions(pool, {
          project: req.project,
          name: req.name,
          before: Number(page?.b ?? 0n),
          limit: limit + 1,
          withContent: req.includeContent,
        });
        if (rows.length === 0 && !(await q.selectSchema(pool, req.project, req.name))) {
          throw await schemaNotFound(pool, req.project, req.name);
        }
        const shown = rows.slice(0, limit);
        const last = shown[shown.length - 1];
        return {
          schemaVersions: shown.map(versionToProto),
          nextPageToken: versionPaging.next(
            ctx,
            req,
            rows.length > limit && last ? { b: BigInt(last.version) } : undefined,
          ),
        };
      });
    },

    async deleteSchema(req, ctx) {
      checkDeleteSchemaRequest(req);
      return guarded(ctx, req, async () => {
        if (!(await q.selectSchema(pool, req.project, req.name))) {
          throw await schemaNotFound(pool, req.project, req.name);
        }
        await assertSchemaUnused(store, req.project, req.name, ctx.signal);
        if (!(await q.deleteSchema(pool, req.project, req.name))) {
          throw await schemaNotFound(pool, req.project, req.name);
        }
        registry.invalidate(req.project, req.name);
        return {};
      });
    },

    async validateDocument(req, ctx) {
      checkValidateDocumentRequest(req);
      const document = documentOf(req.document!, "document");
      checkSize(document, maxDocumentBytes, "config_size_bytes", "document");
      return guarded(ctx, req, async () => {
        const schema = await registry.resolve(req.project, req.name, req.version);
        const violations = await schema.validate(document, ctx.signal);
        return {
          valid: violations.length === 0,
          ...validationFailure(violations),
          version: schema.version,
        };
      });
    },

    async dryRunSchemaVersion(req, ctx) {
      const input = checkDryRunSchemaVersionRequest(req);
      const compiled = await candidate(input, ctx);
      return guarded(ctx, req, async () => {
        const { schema, latest } = await loadLatest(pool, req.project, req.name);
        const unchanged = sameVersion(input, latest);
        const report = await findBreakingConfigs(
          store,
          req.project,
          req.name,
          against(compiled, ctx),
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
      });
    },
  };
}

/** Tells whether a candidate equals a stored version: the same JSON and format mode. */
function sameVersion(input: CandidateInput, stored: VersionRow): boolean {
  return input.formatMode === stored.format_mode && jsonEqual(input.content, stored.content);
}

/** Registers `guardian.schema.v1.SchemaService` on a router; every mutation is audited. */
export function createSchemaRoutes(deps: SchemaRoutesDeps): (router: ConnectRouter) => void {
  return (router) => {
    router.service(SchemaService, auditSchemaMutations(createSchemaService(deps), deps.pool));
  };
}
