import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import { JobService } from "@guardian/api";
import { auditMutations, type AuditTable } from "@guardian/authz";
import type { JobQueue } from "@guardian/db";
import { createErrorMapper, mapErrors, pgErrorRules } from "@guardian/kit";
import type pg from "pg";
import { createJobHandlers } from "./handlers.js";

/** What JobService needs. */
export interface JobServiceDeps {
  /** Where audit events are written. */
  pool: pg.Pool;
  queue: JobQueue;
}

const jobTarget = (req: { id: bigint }) => ({ project: "", target: `jobs/${req.id}` });

/** The mutations of JobService: each call of one is written to the audit log. */
export const jobAuditTable: AuditTable<typeof JobService> = {
  retryJob: { target: jobTarget },
  discardJob: { target: jobTarget },
};

const mapOther = createErrorMapper(pgErrorRules);

/**
 * Creates the JobService implementation: dead letters listed, retried and discarded, and
 * queue counts; failures go through the shared pg error table and mutations are audited.
 */
export function createJobService(deps: JobServiceDeps): ServiceImpl<typeof JobService> {
  const impl = createJobHandlers(deps.queue);
  return auditMutations(
    JobService,
    mapErrors(JobService, impl, (err, call) => mapOther(err, call.requestId)),
    deps.pool,
    jobAuditTable,
  );
}

/** Registers `guardian.config.v1.JobService` on a router. */
export function createJobRoutes(deps: JobServiceDeps): (router: ConnectRouter) => void {
  return (router) => {
    router.service(JobService, createJobService(deps));
  };
}
