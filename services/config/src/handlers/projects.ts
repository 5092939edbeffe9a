import {
  deleteProject as deleteProjectRow,
  insertAdminBinding,
  insertProject,
  insertProjectName,
  markProjectNameDeleted,
  selectProject,
  selectProjects,
  selectProjectVersion,
  updateProject as updateProjectRow,
} from "@guardian/authz";
import type { HistoryRetentionPolicy } from "@guardian/authz";
import type { ServiceImpl } from "@connectrpc/connect";
import type { ConfigService, HistoryRetention } from "@guardian/api";
import { withTransaction, type Queryable } from "@guardian/db";
import { definePaging, pageSize, principalOf } from "@guardian/kit";
import { authorizeProject, readableProjects } from "../authorize.js";
import {
  checkCreateProjectRequest,
  checkDeleteProjectRequest,
  checkGetProjectRequest,
  checkListProjectsRequest,
  checkUpdateProjectRequest,
} from "../check/projects.js";
import { projectOf } from "../convert.js";
import type { ConfigDeps } from "../deps.js";
import { projectNotFound, versionConflict } from "../error-map.js";
import { deleteProjectConfigs } from "../store/project-configs.js";

type ProjectHandlers = Pick<
  ServiceImpl<typeof ConfigService>,
  "createProject" | "getProject" | "listProjects" | "updateProject" | "deleteProject"
>;

// ListProjects pages continue after project name `a`.
const namePaging = definePaging({ a: "text" });

/** A request's history retention policy as stored; unset keeps history forever. */
function policyOf(p: HistoryRetention | undefined): HistoryRetentionPolicy {
  return { maxAgeDays: p?.maxAgeDays ?? 0, minRevisionsPerConfig: p?.minRevisionsPerConfig ?? 0 };
}

/** Fails with NotFound, or Aborted when the project exists at another version. */
async function missedProject(db: Queryable, project: string, expected?: bigint): Promise<never> {
  const current = await selectProjectVersion(db, project);
  if (current === undefined || expected === undefined) throw projectNotFound(project);
  throw versionConflict({ project, expected, current });
}

/** Creates the project RPC handlers (PostgreSQL; DeleteProject also deletes configs). */
export function createProjectHandlers(deps: ConfigDeps): ProjectHandlers {
  const { pool } = deps;
  return {
    async createProject(req, ctx) {
      checkCreateProjectRequest(req);
      const principal = principalOf(ctx);
      const row = await withTransaction(pool, async (db) => {
        await insertProjectName(db, req.project);
        const created = await insertProject(db, {
          name: req.project,
          displayName: req.displayName,
          description: req.description,
          labels: req.labels,
          createdBy: principal.name,
          historyRetention: policyOf(req.historyRetention),
        });
        if (principal.account) {
          await insertAdminBinding(db, {
            project: req.project,
            ...principal.account,
            createdBy: principal.name,
          });
        }
        return created;
      });
      return { project: projectOf(row) };
    },

    async getProject(req, ctx) {
      checkGetProjectRequest(req);
      authorizeProject(ctx, req.project);
      const row = await selectProject(pool, req.project);
      if (!row) throw projectNotFound(req.project);
      return { project: projectOf(row) };
    },

    async listProjects(req, ctx) {
      checkListProjectsRequest(req);
      const limit = pageSize(req.pageSize);
      const after = namePaging.read(ctx, req);
      const rows = await selectProjects(pool, {
        after: after?.a ?? "",
        limit: limit + 1,
        labels: req.labelSelector,
        only: readableProjects(ctx),
      });
      const page = namePaging.page(ctx, req, rows, limit, (last) => ({ a: last.name }));
      return { projects: page.items.map(projectOf), nextPageToken: page.nextPageToken };
    },

    async updateProject(req, ctx) {
      const mask = checkUpdateProjectRequest(req);
      authorizeProject(ctx, req.project);
      const row = await updateProjectRow(
        pool,
        req.project,
        {
          displayName: mask.has("display_name") ? req.displayName : undefined,
          description: mask.has("description") ? req.description : undefined,
          labels: mask.has("labels") ? req.labels : undefined,
          historyRetention: mask.has("history_retention")
            ? policyOf(req.historyRetention)
            : undefined,
        },
        req.expectedVersion,
      );
      if (!row) return missedProject(pool, req.project, req.expectedVersion);
      return { project: projectOf(row) };
    },

    async deleteProject(req, ctx) {
      checkDeleteProjectRequest(req);
      authorizeProject(ctx, req.project);
      const version = await selectProjectVersion(pool, req.project);
      if (version === undefined) throw projectNotFound(req.project);
      if (req.expectedVersion !== undefined && req.expectedVersion !== version) {
        throw versionConflict({
          project: req.project,
          expected: req.expectedVersion,
          current: version,
        });
      }
      const removed = await deleteProjectConfigs(deps, ctx, req.project, req.force);
      const schemas = await withTransaction(pool, async (db) => {
        const names = await deleteProjectRow(db, req.project, req.expectedVersion);
        if (!names) return missedProject(db, req.project, req.expectedVersion);
        await markProjectNameDeleted(db, req.project, principalOf(ctx).name);
        return names;
      });
      // Writes in this process see the deletion at once; other processes hear it from the feed.
      deps.catalog?.changed({ project: req.project });
      for (const name of schemas) deps.schemas.invalidate(req.project, name);
      // A config written while the project was being deleted would be left behind; sweep again.
      const late = await deleteProjectConfigs(deps, ctx, req.project, true);
      return {
        deletedConfigs: removed.count + late.count,
        revision: late.revision > removed.revision ? late.revision : removed.revision,
      };
    },
  };
}
