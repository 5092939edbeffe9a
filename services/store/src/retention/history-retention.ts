import { withTransaction } from "@guardian/db";
import { configWithDefaults, duration, type ConfigOf, type ScheduledJob } from "@guardian/kit";
import type pg from "pg";
import { deleteExpiredArchivedRevisions, raiseArchiveHorizon } from "../archive/sql/retention.js";

/** The settings of the history retention job. */
export const historyRetentionSettings = {
  historyRetentionInterval: duration("GUARDIAN_HISTORY_RETENTION_INTERVAL", {
    default: "1h",
    min: 1_000,
    max: 7 * 86_400_000,
    description:
      "How often the history retention job deletes archived config revisions that their project's history retention policy no longer keeps.",
  }),
};

/** The typed history retention settings. */
export type HistoryRetentionSettings = ConfigOf<typeof historyRetentionSettings>;

/** One project's history retention policy, as the job applies it (0 days: keep forever). */
export interface ProjectHistoryPolicy {
  project: string;
  maxAgeDays: number;
  minRevisionsPerConfig: number;
}

/** What {@link createHistoryRetentionJob} needs. */
export interface HistoryRetentionJobDeps {
  pool: pg.Pool;
  /** Reads the policies of the projects that do not keep history forever. */
  policies: () => Promise<ProjectHistoryPolicy[]>;
  /**
   * The store's retention (`StoreEngine.compactionInfo`, or the store's GetCompactionInfo):
   * revisions above `compactRevision`, and the newest `retainedPerConfig` of each config, the
   * store may still hold itself (in its change log or etcd), so the job never deletes them.
   */
  storeRetention: () => Promise<{ compactRevision: bigint; retainedPerConfig: number }>;
  settings?: Partial<HistoryRetentionSettings>;
  /** Revisions deleted per statement. Default 1000. */
  batchSize?: number;
  /** The clock (tests). */
  now?: () => Date;
}

const dayMs = 86_400_000;

/**
 * Creates the history retention job: for each project with a policy, it deletes archived
 * revisions older than the policy's days that are not among the newest revisions of their
 * config, by the policy or by the store's own retention, whichever keeps more (see
 * `deleteExpiredArchivedRevisions`), in batches, each in one transaction that
 * also raises the project's archive horizon, so that past-state reads below it answer "no
 * longer retained" instead of a state with configs missing. Stops between batches when the
 * signal aborts. Resolves to `{ deleted, projects }`: revisions deleted, projects with a policy.
 */
export function createHistoryRetentionJob(deps: HistoryRetentionJobDeps): ScheduledJob {
  const batchSize = deps.batchSize ?? 1_000;
  const now = deps.now ?? (() => new Date());
  return {
    name: "history-retention",
    intervalMs: configWithDefaults(historyRetentionSettings, deps.settings)
      .historyRetentionInterval,
    async run({ signal }) {
      let deleted = 0;
      const policies = (await deps.policies()).filter((p) => p.maxAgeDays > 0);
      const store = await deps.storeRetention();
      for (const policy of policies) {
        const before = new Date(now().getTime() - policy.maxAgeDays * dayMs);
        for (;;) {
          if (signal.aborted) return { deleted, projects: policies.length, aborted: true };
          const batch = await withTransaction(deps.pool, async (db) => {
            const res = await deleteExpiredArchivedRevisions(db, {
              project: policy.project,
              before,
              upToRevision: store.compactRevision,
              keepPerConfig: Math.max(policy.minRevisionsPerConfig, store.retainedPerConfig),
              limit: batchSize,
            });
            if (res.deleted > 0) await raiseArchiveHorizon(db, policy.project, res.horizon);
            return res.deleted;
          });
          deleted += batch;
          if (batch < batchSize) break;
        }
      }
      return { deleted, projects: policies.length };
    },
  };
}
