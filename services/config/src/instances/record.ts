import { withTransaction } from "@guardian/db";
import type pg from "pg";
import { limitExceeded } from "../error-map.js";
import {
  countLiveInstances,
  deleteAgedInstance,
  insertInstance,
  lockProjectInstances,
  touchInstance,
  upsertStatuses,
  type StatusInput,
} from "../sql/instances.js";

/** One instance's report, checked and authorized. */
export interface InstanceReport {
  project: string;
  instanceId: string;
  labels: Record<string, string>;
  statuses: readonly StatusInput[];
}

/** The limits a report is held to. */
export interface ReportLimits {
  ttlMs: number;
  maxInstancesPerProject: number;
}

/**
 * Records a report in one transaction and returns its time: the instance's labels and last
 * report time, and its status of each config, replacing earlier ones. An instance that had
 * aged out starts afresh. A new instance beyond the project's limit of live instances fails
 * with ResourceExhausted, and then nothing is written.
 */
export async function recordReport(
  pool: pg.Pool,
  report: InstanceReport,
  limits: ReportLimits,
): Promise<Date> {
  const { project, instanceId, labels } = report;
  return withTransaction(pool, async (db) => {
    await deleteAgedInstance(db, project, instanceId, limits.ttlMs);
    let at = await touchInstance(db, project, instanceId, labels);
    if (at === undefined) {
      // A new instance: count and insert under the project's lock, so the limit holds.
      await lockProjectInstances(db, project);
      at = await touchInstance(db, project, instanceId, labels);
      if (at === undefined) {
        const live = await countLiveInstances(db, project, limits.ttlMs);
        if (live >= limits.maxInstancesPerProject) {
          throw limitExceeded(
            `project "${project}" already has ${live} live reporting instances, its limit; instance "${instanceId}" is new`,
            "instances_per_project",
            limits.maxInstancesPerProject,
            live + 1,
          );
        }
        at = await insertInstance(db, project, instanceId, labels);
      }
    }
    await upsertStatuses(db, project, instanceId, report.statuses);
    return at;
  });
}
