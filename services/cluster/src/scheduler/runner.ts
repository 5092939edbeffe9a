import { sleep, type Logger, type ScheduledJob } from "@guardian/kit";
import type pg from "pg";
import type { SchedulerMetrics } from "./metrics.js";
import {
  claimRun,
  finishRun,
  readJobRecords,
  type FinishedRun,
  type RunStatus,
} from "./sql/scheduled-jobs.js";

/** What a job runner needs. */
export interface JobRunnerDeps {
  pool: pg.Pool;
  jobs: readonly ScheduledJob[];
  logger: Logger;
  metrics: SchedulerMetrics;
  instanceId: string;
  tickMs: number;
}

/** Runs the jobs of one scheduler while it leads; see {@link createJobRunner}. */
export interface JobRunner {
  /** Runs due jobs until `signal` aborts (the leadership is lost or the scheduler stops). */
  lead(token: bigint, signal: AbortSignal): Promise<void>;
  /** Resolves when no run is in progress. */
  idle(): Promise<void>;
}

/** The longest error message recorded, in characters. */
const maxErrorLength = 2_000;
/** The longest summary recorded, in characters of JSON. */
const maxSummaryLength = 16_000;

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message || err.name : String(err);
  return Array.from(text).slice(0, maxErrorLength).join("");
}

function summaryText(summary: Record<string, unknown> | void): string | undefined {
  if (!summary) return undefined;
  try {
    const json = JSON.stringify(summary, (_k, v: unknown) =>
      typeof v === "bigint" ? v.toString() : v,
    );
    return json.length <= maxSummaryLength ? json : JSON.stringify({ truncated: true });
  } catch {
    return JSON.stringify({ unserializable: true });
  }
}

/**
 * Creates the part of a scheduler that runs jobs. While leading with fencing token `token`, it
 * reads the jobs' records every tick and starts each due job that is not already running here.
 * Each run is claimed and finished with conditional writes of the record, so the leader that
 * holds the highest token owns it. A run in progress is remembered across leaderships, so
 * one job never overlaps itself on this replica even if it ignores its signal for a while.
 */
export function createJobRunner(deps: JobRunnerDeps): JobRunner {
  const { pool, logger, metrics, instanceId } = deps;
  const running = new Map<string, Promise<void>>();

  async function runOnce(job: ScheduledJob, token: bigint, signal: AbortSignal): Promise<void> {
    const claimed = await claimRun(pool, job, token, instanceId);
    if (!claimed) return;
    const started = performance.now();
    let outcome: FinishedRun;
    try {
      const summary = await job.run({
        signal,
        ...(claimed.lastSuccessAt ? { lastSuccessAt: claimed.lastSuccessAt } : {}),
      });
      outcome = { status: "ok", summary: summaryText(summary) };
    } catch (err) {
      const status: RunStatus = signal.aborted ? "aborted" : "failed";
      outcome = { status, error: errorText(err) };
      logger.warn({ err, job: job.name }, `scheduled job ${status}`);
    }
    metrics.ran(job.name, outcome.status, (performance.now() - started) / 1_000);
    const recorded = await finishRun(pool, job.name, token, outcome);
    if (!recorded) {
      logger.warn(
        { job: job.name },
        "a newer leader owns the job's record; this run is not recorded",
      );
    } else if (recorded.lastSuccessAt) {
      metrics.succeeded(job.name, recorded.lastSuccessAt);
    }
  }

  function start(job: ScheduledJob, token: bigint, signal: AbortSignal): void {
    const run = runOnce(job, token, signal)
      .catch((err: unknown) =>
        logger.warn({ err, job: job.name }, "could not claim or record a scheduled run"),
      )
      .finally(() => running.delete(job.name));
    running.set(job.name, run);
  }

  async function tick(token: bigint, signal: AbortSignal, fenced: Set<string>): Promise<void> {
    const records = await readJobRecords(pool, deps.jobs);
    for (const [i, record] of records.entries()) {
      const job = deps.jobs[i]!;
      if (record.lastSuccessAt) metrics.succeeded(job.name, record.lastSuccessAt);
      if (record.fencingToken > token) {
        if (!fenced.has(job.name)) {
          fenced.add(job.name);
          logger.warn(
            { job: job.name, token: token.toString(), recorded: record.fencingToken.toString() },
            "a leader with a higher fencing token wrote the job's record; not running it",
          );
        }
        continue;
      }
      if (record.due && !running.has(job.name) && !signal.aborted) start(job, token, signal);
    }
  }

  return {
    async lead(token, signal) {
      const fenced = new Set<string>();
      let failing = false;
      while (!signal.aborted) {
        try {
          await tick(token, signal, fenced);
          failing = false;
        } catch (err) {
          // Logged once per outage; the next tick retries.
          if (!failing) logger.warn({ err }, "could not read the scheduled jobs' records");
          failing = true;
        }
        await sleep(deps.tickMs, signal);
      }
    },
    async idle() {
      while (running.size > 0) await Promise.all(running.values());
    },
  };
}
