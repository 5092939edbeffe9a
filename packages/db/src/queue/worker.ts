import { randomUUID } from "node:crypto";
import { createBackoff, sleep, type Logger } from "@guardian/kit";
import type pg from "pg";
import type { Registry } from "prom-client";
import { keepListening, type Listener } from "../listener.js";
import { queueNudges } from "./queue.js";
import { retryDelay } from "./retry-delay.js";
import {
  claimJobs,
  deleteCompleted,
  failAttempt,
  jobsChannel,
  releaseJobs,
  renewLocks,
  resetStaleLocks,
} from "./sql/jobs.js";
import type { Job, JobQueue, TaskHandler, Worker } from "./types.js";
import { createWorkerMetrics, type WorkerMetrics } from "./worker-metrics.js";

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  pool: pg.Pool;
  /** Its in-process nudges wake this worker (embedded mode). */
  queue: JobQueue;
  tasks: Record<string, TaskHandler>;
  logger: Logger;
  /** Queues to take jobs from. Default: every queue. */
  queues?: string[];
  /** Jobs run at once. Default 4 (embedded mode passes 1). */
  concurrency?: number;
  /** Production: LISTEN for new jobs on a dedicated connection to this URL. */
  listenUrl?: string;
  /** The fallback poll. Default 2000 ms. */
  pollIntervalMs?: number;
  /** A lock older than this is a crashed worker's and is reset. Default 5 min. */
  lockTimeoutMs?: number;
  /** At stop, running jobs get this long, then are released. Default 10 s. */
  graceMs?: number;
  /** Retry backoff: the first ceiling and the largest. Defaults 1 s and 1 h. */
  backoff?: { baseMs?: number; maxMs?: number };
  /** Stored in `locked_by`. Default random. */
  workerId?: string;
  /** Where the queue metrics are registered. */
  registry?: Registry;
}

/** Longest stored `last_error`, in characters. */
const maxErrorLength = 4_000;

interface Running {
  job: Job;
  abort: AbortController;
  done: Promise<void>;
}

function describeError(err: unknown): string {
  const text = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
  return text.length > maxErrorLength ? `${text.slice(0, maxErrorLength - 1)}…` : text;
}

/**
 * Starts a worker: it claims due jobs (up to `concurrency` at once), runs their handlers,
 * deletes completed jobs, retries failed ones with backoff until they become dead letters,
 * renews the locks of running jobs and resets the stale locks of crashed workers. It wakes
 * on NOTIFY (`listenUrl`), on the queue's in-process nudges, and every `pollIntervalMs`.
 */
export function startWorker(opts: WorkerOptions): Worker {
  const { pool, logger } = opts;
  const workerId = opts.workerId ?? `worker-${randomUUID()}`;
  const concurrency = opts.concurrency ?? 4;
  const pollMs = opts.pollIntervalMs ?? 2_000;
  const lockTimeoutMs = opts.lockTimeoutMs ?? 300_000;
  const graceMs = opts.graceMs ?? 10_000;
  const baseMs = opts.backoff?.baseMs ?? 1_000;
  const maxMs = opts.backoff?.maxMs ?? 3_600_000;
  const queues = opts.queues ?? null;
  const metrics: WorkerMetrics | undefined = opts.registry
    ? createWorkerMetrics(opts.registry, opts.queue)
    : undefined;
  const log = logger.child({ worker: workerId });

  const stopping = new AbortController();
  const running = new Map<bigint, Running>();
  let idle = new AbortController();
  let nudged = false;
  const wake = () => {
    nudged = true;
    idle.abort();
  };
  const hears = (queue: string) => queues === null || queues.includes(queue);
  const onNudge = (event: Event) => {
    if (hears(String((event as CustomEvent).detail))) wake();
  };
  const nudges = queueNudges(opts.queue);
  nudges?.addEventListener("job", onNudge);

  let listener: Listener | undefined;
  if (opts.listenUrl !== undefined) {
    listener = keepListening<void>(
      {
        url: opts.listenUrl,
        applicationName: "guardian-worker",
        checkMs: 30_000,
        connectTimeoutMs: 10_000,
        onError: (err) => log.warn({ err }, "job listener connection failed"),
      },
      {
        ready: async (client) => void (await client.query(`LISTEN ${jobsChannel}`)),
        connected: wake, // notifications may have been missed while it was down
        check: async (client) => void (await client.query("SELECT 1")),
        notification: (message) => {
          if (hears(message.payload ?? "")) wake();
        },
        lost: () => {},
      },
    );
  }

  const run = async (job: Job, abort: AbortController): Promise<void> => {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const handler = opts.tasks[job.task];
      if (handler === undefined)
        throw new Error(`no handler for task "${job.task}" on this worker`);
      await handler(job, { signal: abort.signal });
      if (await deleteCompleted(pool, job.id, workerId))
        metrics?.completed(job.queue, job.task, seconds());
    } catch (err) {
      if (abort.signal.aborted) return; // released at stop
      const delay = retryDelay(job.attempts, { baseMs, maxMs });
      const dead = await failAttempt(pool, job.id, workerId, describeError(err), delay);
      if (dead === undefined) return;
      metrics?.failed(job.queue, job.task, seconds());
      if (dead) metrics?.deadLettered(job.queue, job.task);
      log[dead ? "error" : "warn"](
        { err, job: String(job.id), task: job.task, attempts: job.attempts, dead },
        dead ? "job failed its last attempt and is now a dead letter" : "job attempt failed",
      );
    }
  };

  const spawn = (job: Job) => {
    const abort = new AbortController();
    metrics?.claimed(job.queue, job.task);
    const done = run(job, abort)
      .catch((err: unknown) =>
        log.error({ err, job: String(job.id) }, "could not record a job's outcome"),
      )
      .finally(() => {
        running.delete(job.id);
        wake();
      });
    running.set(job.id, { job, abort, done });
  };

  const heartbeatMs = Math.max(Math.floor(lockTimeoutMs / 3), 10);
  const sweepMs = Math.min(Math.max(Math.floor(lockTimeoutMs / 2), 1_000), 60_000);
  // Renews locks until the running jobs are finished or released, the grace time included.
  const released = new AbortController();
  const heartbeat = async () => {
    while (!released.signal.aborted) {
      await sleep(heartbeatMs, released.signal);
      const ids = [...running.keys()];
      if (ids.length > 0 && !released.signal.aborted) {
        await renewLocks(pool, ids, workerId).catch((err: unknown) =>
          log.warn({ err }, "could not renew the locks of running jobs"),
        );
      }
    }
  };

  const loop = async () => {
    const failures = createBackoff({ initialMs: 100, maxMs: 10_000 });
    let sweptAt = -Infinity;
    while (!stopping.signal.aborted) {
      try {
        if (performance.now() - sweptAt >= sweepMs) {
          sweptAt = performance.now();
          const reset = await resetStaleLocks(pool, lockTimeoutMs);
          for (const job of reset) if (job.dead) metrics?.deadLettered(job.queue, job.task);
          if (reset.length > 0)
            log.warn({ jobs: reset.map((r) => String(r.id)) }, "reset stale job locks");
        }
        nudged = false;
        const free = concurrency - running.size;
        const jobs = free > 0 ? await claimJobs(pool, workerId, queues, free) : [];
        failures.reset();
        if (stopping.signal.aborted) {
          if (jobs.length > 0)
            await releaseJobs(
              pool,
              jobs.map((j) => j.id),
              workerId,
            );
          break;
        }
        for (const job of jobs) spawn(job);
        // A full batch may mean more are due: claim again at once while there is room.
        if (jobs.length > 0 && jobs.length === free) continue;
        if (!nudged) {
          idle = new AbortController();
          await sleep(Math.min(pollMs, sweepMs), AbortSignal.any([idle.signal, stopping.signal]));
        }
      } catch (err) {
        log.warn({ err }, "job worker could not reach the database");
        await sleep(failures.next(), stopping.signal);
      }
    }
  };

  const looping = loop();
  const beating = heartbeat();
  return {
    async stop() {
      if (stopping.signal.aborted) return;
      stopping.abort();
      idle.abort();
      nudges?.removeEventListener("job", onNudge);
      await looping;
      const pending = [...running.values()];
      if (pending.length > 0) {
        const deadline = new AbortController();
        await Promise.race([
          Promise.all(pending.map((r) => r.done)),
          sleep(graceMs, deadline.signal),
        ]);
        deadline.abort();
      }
      const left = [...running.values()];
      for (const r of left) r.abort.abort(new Error("the worker is stopping"));
      if (left.length > 0) {
        await releaseJobs(
          pool,
          left.map((r) => r.job.id),
          workerId,
        ).catch((err: unknown) => log.warn({ err }, "could not release running jobs at stop"));
      }
      released.abort();
      await beating;
      await listener?.close();
    },
  };
}
