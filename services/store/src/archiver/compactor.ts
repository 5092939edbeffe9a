import type { Logger } from "@guardian/kit";
import type { EtcdStoreEngine } from "../engine/etcd/engine.js";

/** How the archiver compacts etcd's MVCC history. */
export interface CompactionOptions {
  /** How long etcd keeps superseded versions, in ms. Default one hour. */
  retentionMs?: number;
  /** How often the revision is sampled and a compaction considered, in ms. Default 1 min. */
  checkIntervalMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

/** Compacts etcd behind the archiver; see {@link createCompactor}. */
export interface Compactor {
  /** Samples the revision and compacts when a sample is old enough; never throws. */
  check(archived: bigint): Promise<void>;
  /** The highest revision this compactor has compacted etcd to (0: none yet). */
  readonly compacted: bigint;
}

interface Sample {
  revision: bigint;
  at: number;
}

/**
 * Creates the compactor the archiver leader runs. etcd keeps every superseded version of every
 * key until it is compacted, and grows until its space quota stops all writes. The compactor
 * samples the engine's revision every `checkIntervalMs` and compacts etcd to the newest sample
 * that is at least `retentionMs` old, but never above the archived revision: etcd keeps the
 * last `retentionMs` of history for watches and past reads, and every compacted revision is
 * already in the archive. A new leader starts sampling afresh, so it compacts only after one
 * full retention period of its own.
 */
export function createCompactor(
  engine: EtcdStoreEngine,
  opts: CompactionOptions,
  logger: Logger,
): Compactor {
  const retentionMs = opts.retentionMs ?? 3_600_000;
  // At most about a thousand samples are held, whatever the settings.
  const checkIntervalMs = Math.max(opts.checkIntervalMs ?? 60_000, retentionMs / 1_000);
  const now = opts.now ?? Date.now;
  // One sample per interval over one retention period, oldest first.
  const samples: Sample[] = [];
  let compacted = 0n;

  function due(at: number): bigint {
    let target = 0n;
    while (samples.length > 0 && samples[0]!.at <= at - retentionMs) {
      target = samples.shift()!.revision;
    }
    return target;
  }

  async function compact(revision: bigint): Promise<void> {
    try {
      await engine.client.kv.compact({ revision: revision.toString() });
      logger.info({ revision: revision.toString() }, "compacted etcd");
    } catch (err) {
      // Another compaction (an operator's, or etcd's own) already went at least this far.
      if (!/required revision has been compacted/.test(String(err))) throw err;
    }
    compacted = revision;
  }

  return {
    get compacted() {
      return compacted;
    },
    async check(archived) {
      const at = now();
      const last = samples[samples.length - 1];
      if (!last || at - last.at >= checkIntervalMs) {
        samples.push({ revision: await engine.currentRevision(), at });
      }
      const old = due(at);
      const target = old < archived ? old : archived;
      if (target <= compacted) return;
      try {
        await compact(target);
      } catch (err) {
        logger.warn({ err, revision: target.toString() }, "etcd compaction failed; will retry");
      }
    },
  };
}
