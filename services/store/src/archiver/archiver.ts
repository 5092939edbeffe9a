import { randomUUID } from "node:crypto";
import { createBackoff, sleep, type Logger } from "@guardian/kit";
import type { RevisionArchive } from "../archive/types.js";
import type { EtcdStoreEngine } from "../engine/etcd/engine.js";
import { createCompactor, type CompactionOptions } from "./compactor.js";

/** Options for {@link startArchiver}. */
export interface ArchiverOptions {
  /** The etcd engine to copy from; its client also runs the leader election. */
  engine: EtcdStoreEngine;
  /** The revision archive to copy into. */
  archive: RevisionArchive;
  /** Name of the election among archivers of one namespace. Default "archiver". */
  electionName?: string;
  logger: Logger;
  /** Records per copy. Default 500. */
  batchSize?: number;
  /** Pause when there is nothing to copy. Default 1 s. */
  pollIntervalMs?: number;
  /** Lease TTL of the leadership: how long a crashed leader blocks a successor. Default 10 s. */
  electionTtlSeconds?: number;
  /**
   * Compaction of etcd's history by the leader, behind the archived revision; `false` leaves
   * etcd uncompacted (when etcd compacts itself). Default: keep one hour.
   */
  compaction?: CompactionOptions | false;
  /** Runs after a batch is in the archive and before it is marked archived (tests use it). */
  afterCopy?: (lastRevision: bigint) => Promise<void>;
}

/** A running archiver. */
export interface Archiver {
  /** True while this archiver holds the leadership. */
  readonly leading: boolean;
  /** Stops copying and gives up the leadership. */
  stop(): Promise<void>;
}

/**
 * Starts the archiver: every instance campaigns in an etcd election, and only the leader copies
 * and compacts etcd (see {@link createCompactor}).
 * The leader reads revision records from the archived revision on (listChanges), inserts them
 * into the revision archive (a record already there is left as it is), and then
 * calls markArchived, after which the engine may delete records beyond its per-config retention.
 *
 * Nothing is lost and nothing is duplicated across restarts and leader changes: records above
 * the archived revision stay in etcd, a new leader resumes from the archived revision, and a
 * batch copied but not yet marked is copied again harmlessly. Two leaders at once (an old one
 * that has not yet noticed its lease expired) are equally harmless.
 */
export function startArchiver(opts: ArchiverOptions): Archiver {
  const { engine, archive, logger } = opts;
  const batchSize = opts.batchSize ?? 500;
  const pollIntervalMs = opts.pollIntervalMs ?? 1_000;
  const stopping = new AbortController();
  const id = randomUUID();
  let leading = false;

  async function copyWhileLeading(signal: AbortSignal): Promise<void> {
    let after = (await engine.compactionInfo()).archivedRevision;
    logger.info({ after: after.toString() }, "archiver leading");
    const compactor =
      opts.compaction === false
        ? undefined
        : createCompactor(engine, opts.compaction ?? {}, logger);
    while (!signal.aborted) {
      await compactor?.check(after);
      const batch =
        (await engine.currentRevision()) > after ? await engine.listChanges(after, batchSize) : [];
      const last = batch[batch.length - 1];
      if (!last) {
        await sleep(pollIntervalMs, signal);
        continue;
      }
      const inserted = await archive.insert(batch);
      await opts.afterCopy?.(last.revision);
      // The records are in the archive, so marking them is safe even after losing the leadership.
      after = await engine.markArchived(last.revision);
      logger.debug(
        { records: batch.length, inserted, archived: after.toString() },
        "archived revisions",
      );
    }
  }

  async function campaignOnce(): Promise<void> {
    const election = engine.client
      .namespace(engine.keyspace.electionPrefix)
      .election(opts.electionName ?? "archiver", opts.electionTtlSeconds ?? 10);
    const campaign = election.campaign(id);
    const lost = new AbortController();
    const onStop = () => lost.abort(new Error("the archiver is stopping"));
    campaign.on("error", (err) => lost.abort(err));
    stopping.signal.addEventListener("abort", onStop, { once: true });
    try {
      await new Promise<void>((resolve, reject) => {
        if (lost.signal.aborted) return reject(lost.signal.reason as Error);
        campaign.on("elected", () => resolve());
        lost.signal.addEventListener("abort", () => reject(lost.signal.reason as Error), {
          once: true,
        });
      });
      leading = true;
      await copyWhileLeading(lost.signal);
    } finally {
      leading = false;
      stopping.signal.removeEventListener("abort", onStop);
      await campaign.resign().catch(() => {});
    }
  }

  const running = (async () => {
    const backoff = createBackoff({ initialMs: 200, maxMs: 5_000 });
    while (!stopping.signal.aborted) {
      try {
        await campaignOnce();
        backoff.reset();
      } catch (err) {
        if (stopping.signal.aborted) break;
        logger.warn({ err }, "archiver stopped leading; campaigning again");
      }
      await sleep(backoff.next(), stopping.signal);
    }
  })();

  return {
    get leading() {
      return leading;
    },
    async stop() {
      stopping.abort();
      await running;
    },
  };
}
