import { sleep } from "@guardian/kit";
import type pg from "pg";
import { defaultInstanceTtlMs } from "../deps.js";
import { sweepAgedInstances } from "../sql/instances.js";

/** Options of {@link startInstanceSweep}. */
export interface InstanceSweepOptions {
  pool: pg.Pool;
  /** How long an instance stays live after its last report. Default 10 minutes. */
  ttlMs?: number;
  /** Instances deleted per statement at most. Default 500. */
  batchSize?: number;
  /** Ends the sweep (the process shutting down). */
  signal: AbortSignal;
  /** Told about a failed sweep (the next one retries). */
  onError?: (err: unknown) => void;
}

/**
 * Deletes every instance that has aged out, with its statuses, in batches of `batchSize`, and
 * returns how many it deleted. Reads never depend on it: they skip aged-out instances anyway.
 */
export async function sweepInstances(
  opts: Pick<InstanceSweepOptions, "pool" | "ttlMs" | "batchSize" | "signal">,
): Promise<number> {
  const ttlMs = opts.ttlMs ?? defaultInstanceTtlMs;
  const batch = opts.batchSize ?? 500;
  let total = 0;
  while (!opts.signal?.aborted) {
    const n = await sweepAgedInstances(opts.pool, ttlMs, batch);
    total += n;
    if (n < batch) break;
  }
  return total;
}

/**
 * Sweeps aged-out instances until `signal` aborts: every half TTL, at least once a second
 * and at most once a minute apart.
 */
export function startInstanceSweep(opts: InstanceSweepOptions): void {
  const ttlMs = opts.ttlMs ?? defaultInstanceTtlMs;
  const intervalMs = Math.min(60_000, Math.max(1_000, Math.floor(ttlMs / 2)));
  const run = async () => {
    while (!opts.signal.aborted) {
      await sleep(intervalMs, opts.signal);
      if (opts.signal.aborted) return;
      try {
        await sweepInstances(opts);
      } catch (err) {
        if (!opts.signal.aborted) opts.onError?.(err);
      }
    }
  };
  void run();
}
