import { ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { SchemaService } from "@guardian/api";
import { beginAudit, settleAudit } from "@guardian/authz";
import type pg from "pg";

type Impl = ServiceImpl<typeof SchemaService>;
type Scoped = { project?: string; name?: string };
type Handler = (req: Scoped, ctx: HandlerContext) => Promise<unknown>;

/** The SchemaService RPCs that change something; each call of one is audited. */
const mutations = new Set(["createSchema", "addSchemaVersion", "updateSchema", "deleteSchema"]);

/** The facts of a schema mutation's response worth keeping: the version it wrote. */
function detailOf(response: unknown): Record<string, unknown> {
  const r = response as { schemaVersion?: { version?: unknown }; created?: unknown };
  const detail: Record<string, unknown> = {};
  if (typeof r.schemaVersion?.version === "number") detail["version"] = r.schemaVersion.version;
  if (typeof r.created === "boolean") detail["created"] = r.created;
  return detail;
}

/**
 * Wraps the schema service so that every mutation is audited like a config mutation: the
 * event is written as 'pending' BEFORE the mutation runs (a mutation whose event cannot be
 * written does not happen: Unavailable), then settled with the outcome: 'ok' with the schema
 * version written, or 'failed'/'denied' with the error code. The action is the procedure
 * name and the target `projects/<project>/schemas/<name>`.
 */
export function auditSchemaMutations(impl: Impl, pool: pg.Pool): Impl {
  const wrapped: Record<string, unknown> = { ...impl };
  for (const [name, fn] of Object.entries(impl) as [string, Handler][]) {
    if (!mutations.has(name)) continue;
    wrapped[name] = async (req: Scoped, ctx: HandlerContext) => {
      const project = req.project ?? "";
      const target = `projects/${project}/schemas/${req.name ?? ""}`;
      const id = await beginAudit(pool, ctx, { project, target });
      let response: unknown;
      try {
        response = await fn(req, ctx);
      } catch (err) {
        await settleAudit(pool, ctx, id, { error: ConnectError.from(err) });
        throw err;
      }
      await settleAudit(pool, ctx, id, { detail: detailOf(response) });
      return response;
    };
  }
  return wrapped as Impl;
}
