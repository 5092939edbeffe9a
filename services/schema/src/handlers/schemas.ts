import type { ServiceImpl } from "@connectrpc/connect";
import type { SchemaService } from "@guardian/api";
import { definePaging, pageSize, principalOf } from "@guardian/kit";
import { assertSchemaUnused } from "../bound-configs.js";
import {
  checkCreateSchemaRequest,
  checkDeleteSchemaRequest,
  checkGetSchemaRequest,
  checkListSchemasRequest,
  checkUpdateSchemaRequest,
} from "../check.js";
import { schemaToProto, versionToProto } from "../convert.js";
import type { HandlerDeps } from "../deps.js";
import { projectNotFound, schemaNotFound, versionNotFound } from "../error-map.js";
import { projectExists } from "@guardian/authz";
import { selectVersion } from "../sql/schema-versions.js";
import { createSchemaWithVersion } from "../sql/schema-writes.js";
import { deleteSchema, listSchemas, selectSchema, updateDescription } from "../sql/schemas.js";

// ListSchemas pages continue after name `a`.
const paging = definePaging({ a: "text" });

type SchemaHandlers = Pick<
  ServiceImpl<typeof SchemaService>,
  "createSchema" | "updateSchema" | "getSchema" | "listSchemas" | "deleteSchema"
>;

/** Creates the handlers of schemas as a whole: create, describe, get, list and delete. */
export function createSchemaHandlers(deps: HandlerDeps): SchemaHandlers {
  const { pool, store, registry, candidates } = deps;
  return {
    async createSchema(req, ctx) {
      const input = checkCreateSchemaRequest(req);
      const compiled = await candidates.compile(input, ctx.signal);
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
    },

    async updateSchema(req) {
      checkUpdateSchemaRequest(req);
      const row = await updateDescription(pool, req.project, req.name, req.description);
      if (!row) throw await schemaNotFound(pool, req.project, req.name);
      return { schema: schemaToProto(row) };
    },

    async getSchema(req) {
      checkGetSchemaRequest(req);
      const schema = await selectSchema(pool, req.project, req.name);
      if (!schema) throw await schemaNotFound(pool, req.project, req.name);
      const number = req.version || schema.latest_version;
      const version = await selectVersion(pool, req.project, req.name, number);
      if (!version) throw versionNotFound(req.project, req.name, number);
      return { schema: schemaToProto(schema), schemaVersion: versionToProto(version) };
    },

    async listSchemas(req, ctx) {
      checkListSchemasRequest(req);
      const limit = pageSize(req.pageSize);
      const page = paging.read(ctx, req);
      const rows = await listSchemas(pool, req.project, page?.a ?? "", limit + 1);
      if (rows.length === 0 && !(await projectExists(pool, req.project))) {
        throw projectNotFound(req.project);
      }
      const { items, nextPageToken } = paging.page(ctx, req, rows, limit, (last) => ({
        a: last.name,
      }));
      return { schemas: items.map(schemaToProto), nextPageToken };
    },

    async deleteSchema(req, ctx) {
      checkDeleteSchemaRequest(req);
      if (!(await selectSchema(pool, req.project, req.name))) {
        throw await schemaNotFound(pool, req.project, req.name);
      }
      await assertSchemaUnused(store, req.project, req.name, ctx.signal);
      if (!(await deleteSchema(pool, req.project, req.name))) {
        throw await schemaNotFound(pool, req.project, req.name);
      }
      registry.invalidate(req.project, req.name);
      return {};
    },
  };
}
