import type { ServiceImpl } from "@connectrpc/connect";
import type { StoreService } from "@guardian/api";
import type { StoreServiceDeps } from "../deps.js";

type CompactionHandlers = Pick<
  ServiceImpl<typeof StoreService>,
  "getCompactionInfo" | "markArchived"
>;

/** Creates the retention handlers: compaction facts, and the archiver's progress. */
export function createCompactionHandlers({ engine }: StoreServiceDeps): CompactionHandlers {
  return {
    async getCompactionInfo() {
      const info = await engine.compactionInfo();
      return {
        compactRevision: info.compactRevision,
        currentRevision: info.currentRevision,
        retainedRevisionsPerConfig: info.retainedPerConfig,
        archivedRevision: info.archivedRevision,
        watchCacheStartRevision: info.compactRevision + 1n,
      };
    },

    async markArchived(req) {
      return { archivedRevision: await engine.markArchived(req.revision) };
    },
  };
}
