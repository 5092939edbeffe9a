import type { Logger, ScheduledJob } from "@guardian/kit";
import type { RevisionArchive } from "../archive/types.js";
import type { EtcdStoreEngine } from "../engine/etcd/engine.js";
import { createCompactor, type CompactionOptions } from "./compactor.js";

/** Options for {@link createArchiveJob}. */
export interface ArchiveJobOptions {
  /** The etcd engine to copy from. */
  engine: EtcdStoreEngine;
  /** The revision archive to copy into. */
  archive: RevisionArchive;
  logger: Logger;
  /** The job's name in the scheduler's records. Default "store-archive". */
  name?: string;
  /** Time between the end of one run and the start of the next. Default 1 s. */
  intervalMs?: number;
  /** Records per copy. Default 500. */
  batchSize?: number;
  /** Copies per run at most, so that a run that has much to catch up on ends. Default 100. */
  maxBatchesPerRun?: number;
  /**
   * Compaction of etcd's history by the leader, behind the archived revision; `false` leaves
   * etcd uncompacted (when etcd compacts itself). Default: keep one hour.
   */
  compaction?: CompactionOptions | false;
  /** Runs after a batch is in the archive and before it is marked archived (tests use it). */
  afterCopy?: (lastRevision: bigint) => Promise<void>;
}

/**
 * Creates the archive job, which the store's scheduler runs on one replica at a time: it
 * copies etcd's revision records into PostgreSQL and compacts etcd behind them (see
 * {@link createCompactor}). Each run reads the revision records from the archived revision on
 * (listChanges), inserts them into the revision archive (a record already there is left as it
 * is) and then calls markArchived, after which the engine may delete records beyond its
 * per-config retention; it goes on until it has caught up or made `maxBatchesPerRun` copies.
 *
 * Nothing is lost and nothing is duplicated across restarts and leader changes: records above
 * the archived revision stay in etcd, every run resumes from the archived revision, and a
 * batch copied but not yet marked is copied again harmlessly. Two runs at once (on an old
 * leader that has not yet noticed it lost the election, and its successor) are equally
 * harmless: markArchived never moves the archived revision backwards.
 */
export function createArchiveJob(opts: ArchiveJobOptions): ScheduledJob {
  const { engine, archive, logger } = opts;
  const batchSize = opts.batchSize ?? 500;
  const maxBatches = opts.maxBatchesPerRun ?? 100;
  // Its samples outlive a run: they are revisions seen at known times, true for any leader.
  const compactor =
    opts.compaction === false ? undefined : createCompactor(engine, opts.compaction ?? {}, logger);

  return {
    name: opts.name ?? "store-archive",
    intervalMs: opts.intervalMs ?? 1_000,
    async run({ signal }) {
      let after = (await engine.compactionInfo()).archivedRevision;
      let records = 0;
      let batches = 0;
      while (!signal.aborted && batches < maxBatches) {
        if ((await engine.currentRevision()) <= after) break;
        // The records this replica's watch delivered since the last run, when it holds them;
        // otherwise a read of the namespace's records (after a start or a leader change).
        const batch =
          engine.recentChanges(after, batchSize) ?? (await engine.listChanges(after, batchSize));
        const last = batch[batch.length - 1];
        if (!last) break;
        const inserted = await archive.insert(batch);
        await opts.afterCopy?.(last.revision);
        // The records are in the archive, so marking them is safe even after losing the leadership.
        after = await engine.markArchived(last.revision);
        records += batch.length;
        batches += 1;
        logger.debug(
          { records: batch.length, inserted, archived: after.toString() },
          "archived revisions",
        );
      }
      await compactor?.check(after);
      return {
        archivedRevision: after.toString(),
        records,
        ...(compactor ? { compactedRevision: compactor.compacted.toString() } : {}),
      };
    },
  };
}
