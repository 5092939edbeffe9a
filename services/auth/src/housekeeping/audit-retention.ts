import { deleteOldAuditEvents } from "@guardian/authz";
import type { ScheduledJob } from "@guardian/kit";
import type pg from "pg";
import type { HousekeepingSettings } from "./settings.js";

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
  const keepMs = deps.settings?.auditRetention ?? 365 * 86_400_000;
  return {
    name: "audit-retention",
    intervalMs: deps.settings?.auditRetentionInterval ?? 3_600_000,
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
