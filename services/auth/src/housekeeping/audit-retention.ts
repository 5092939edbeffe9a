import { deleteOldAuditEvents } from "@guardian/authz";
import { configWithDefaults, type ScheduledJob } from "@guardian/kit";
import type pg from "pg";
import { housekeepingSettings, type HousekeepingSettings } from "./settings.js";

/** What {@link createAuditRetentionJob} needs. */
export interface AuditRetentionDeps {
  pool: pg.Pool;
  settings?: Partial<Pick<HousekeepingSettings, "auditRetentionInterval" | "auditRetention">>;
  /** Events deleted per statement. Default 1000. */
  batchSize?: number;
}

/**
 * Creates the audit retention job: it deletes audit events older than `auditRetention`
 * (default 365 days; 0 keeps every event), oldest first, never one still pending, in batches,
 * stopping between batches when the signal aborts. Resolves to `{ deleted }`.
 */
export function createAuditRetentionJob(deps: AuditRetentionDeps): ScheduledJob {
  const batchSize = deps.batchSize ?? 1_000;
  const settings = configWithDefaults(housekeepingSettings, deps.settings);
  const keepMs = settings.auditRetention;
  return {
    name: "audit-retention",
    intervalMs: settings.auditRetentionInterval,
    async run({ signal }) {
      let deleted = 0;
      if (keepMs === 0) return { deleted };
      for (;;) {
        if (signal.aborted) return { deleted, aborted: true };
        const batch = await deleteOldAuditEvents(deps.pool, keepMs, batchSize);
        deleted += batch;
        if (batch < batchSize) break;
      }
      return { deleted };
    },
  };
}
