import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { createBackoff, sleep, type Logger, type ScheduledJob } from "@guardian/kit";
import type pg from "pg";
import type { Registry } from "prom-client";
import type { ClusterBackend } from "../backend/types.js";
import { createSchedulerMetrics } from "./metrics.js";
import { createJobRunner } from "./runner.js";

/** Options for {@link startScheduler}. */
export interface SchedulerOptions {
  /** Its campaign() is the election: etcd in production, SQL in embedded mode. */
  backend: ClusterBackend;
  /** Where runs are recorded (`scheduled_jobs`). */
  pool: pg.Pool;
  /** The election is "scheduler/<group>": one leader per group. */
  group: string;
  /** The jobs the leader runs; names are unique across every group of a deployment. */
  jobs: ScheduledJob[];
  logger: Logger;
  /** This replica in the election and the records. Default: hostname, pid and a random part. */
  instanceId?: string;
  /** How long a dead leader blocks its successor. Default 10 s. */
  electionTtlMs?: number;
  /** How often the leader looks for due jobs. Default 1 s. */
  tickMs?: number;
  /** Where the scheduler's metrics are registered. */
  registry?: Registry;
}

/** A running scheduler. */
export interface Scheduler {
  /** True while this replica leads its group and runs its jobs. */
  readonly leading: boolean;
  /** Aborts the runs, gives up the leadership, and resolves when every run has ended. */
  stop(): Promise<void>;
}

function checkJobs(jobs: readonly ScheduledJob[]): void {
  const names = new Set<string>();
  for (const job of jobs) {
    if (names.has(job.name)) throw new Error(`two scheduled jobs are named ${job.name}`);
    names.add(job.name);
    if (!(job.intervalMs > 0)) throw new Error(`scheduled job ${job.name} needs an interval > 0`);
  }
}

/**
 * Starts a scheduler replica. Every replica campaigns in the election "scheduler/<group>";
 * only the leader runs jobs, each at most once per interval across replicas: a job is due
 * when its last run, as recorded in PostgreSQL, finished `intervalMs` ago. Every record is
 * written on the condition of the leader's fencing token (the election revision), so a
 * deposed leader that has not noticed yet cannot overwrite its successor's record. Losing
 * the leadership aborts the runs' signals; the replica then campaigns again with backoff, as
 * it does when the cluster or the database cannot be reached.
 */
export function startScheduler(opts: SchedulerOptions): Scheduler {
  checkJobs(opts.jobs);
  const { backend, group, logger } = opts;
  const instanceId = opts.instanceId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const election = `scheduler/${group}`;
  const ttlMs = opts.electionTtlMs ?? 10_000;
  const metrics = createSchedulerMetrics(opts.registry);
  for (const job of opts.jobs) metrics.interval(job.name, job.intervalMs);
  metrics.leading(group, false);
  const runner = createJobRunner({
    pool: opts.pool,
    jobs: opts.jobs,
    logger,
    metrics,
    instanceId,
    tickMs: opts.tickMs ?? 1_000,
  });
  const stopping = new AbortController();
  let leading = false;

  // One candidacy: campaigns until it is lost, leading from its election until then.
  async function term(): Promise<boolean> {
    const lost = new AbortController();
    const onStop = () => lost.abort();
    stopping.signal.addEventListener("abort", onStop, { once: true });
    let leadership: Promise<void> | undefined;
    try {
      for await (const event of backend.campaign(
        { election, value: instanceId, ttlMs },
        lost.signal,
      )) {
        if (event.kind === "elected") {
          leading = true;
          metrics.leading(group, true);
          logger.info({ group, instanceId, token: event.revision.toString() }, "scheduler leading");
          leadership = runner.lead(event.revision, lost.signal);
        } else if (event.kind === "lost") {
          if (leading)
            logger.warn({ group, reason: event.reason }, "scheduler lost the leadership");
          break;
        }
      }
    } finally {
      leading = false;
      metrics.leading(group, false);
      lost.abort();
      stopping.signal.removeEventListener("abort", onStop);
      await leadership;
    }
    return leadership !== undefined;
  }

  const running = (async () => {
    const backoff = createBackoff({ initialMs: 200, maxMs: 5_000 });
    while (!stopping.signal.aborted) {
      try {
        if (await term()) backoff.reset();
      } catch (err) {
        if (stopping.signal.aborted) break;
        logger.warn({ err, group }, "scheduler election failed; campaigning again");
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
      await runner.idle();
    },
  };
}
