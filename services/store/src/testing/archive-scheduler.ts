import { randomUUID } from "node:crypto";
import {
  createEtcdClusterBackend,
  startScheduler,
  type Scheduler,
} from "@guardian/cluster-service";
import { createLogger } from "@guardian/kit";
import type pg from "pg";
import { createSqlArchive } from "../archive/sql-archive.js";
import { createArchiveJob, type ArchiveJobOptions } from "../archiver/archive-job.js";
import type { EtcdStoreEngine } from "../engine/etcd/engine.js";
import type { Harness } from "./harness.js";

const logger = createLogger({ level: "silent" });

/** Where the schedulers of one test elect their leader: a group no other test uses. */
export interface ArchiveElection {
  /** The etcd key prefix of the election's cluster backend. */
  prefix: string;
  /** The job's name in `scheduled_jobs`. */
  jobName: string;
}

/** A fresh election for the archive schedulers of one test. */
export function newArchiveElection(): ArchiveElection {
  const id = randomUUID().slice(0, 8);
  return { prefix: `/guardian-test/${id}/cluster/`, jobName: `store-archive-${id}` };
}

/**
 * Starts one replica of the store's scheduler running the archive job on `engine`, as
 * `guardian serve store` does on etcd, with short intervals; its election goes through
 * `endpoints` (the harness's by default). Tracked by `h`.
 */
export function scheduleArchive(
  h: Harness,
  pool: pg.Pool,
  engine: EtcdStoreEngine,
  election: ArchiveElection,
  extra: { job?: Partial<ArchiveJobOptions>; endpoints?: string[] } = {},
): Scheduler {
  const backend = h.track(
    createEtcdClusterBackend({
      endpoints: extra.endpoints ?? h.endpoints(),
      prefix: election.prefix,
    }),
  );
  return h.track(
    startScheduler({
      backend,
      pool,
      group: "store",
      jobs: [
        createArchiveJob({
          engine,
          archive: createSqlArchive(pool),
          logger,
          name: election.jobName,
          intervalMs: 20,
          batchSize: 5,
          ...extra.job,
        }),
      ],
      logger,
      electionTtlMs: 1_000,
      tickMs: 20,
    }),
  );
}
