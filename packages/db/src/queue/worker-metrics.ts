import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { JobQueue, QueueCounts } from "./types.js";

/** How long a scrape reuses the last queue counts. */
const countsTtlMs = 5_000;

/** Job duration buckets in seconds, from 10 ms to 10 min. */
const durationBuckets = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 600];

/** What a worker reports, labelled by queue and task. */
export interface WorkerMetrics {
  claimed(queue: string, task: string): void;
  completed(queue: string, task: string, seconds: number): void;
  failed(queue: string, task: string, seconds: number): void;
  deadLettered(queue: string, task: string): void;
}

function counter(registry: Registry, name: string, help: string): Counter<"queue" | "task"> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<"queue" | "task">;
  return new Counter({ name, help, labelNames: ["queue", "task"] as const, registers: [registry] });
}

/**
 * Registers the job queue metrics in `registry` (once per registry; workers sharing it share
 * them):
 *
 * - `guardian_jobs_claimed_total`, `guardian_jobs_completed_total`, `guardian_jobs_failed_total`,
 *   `guardian_jobs_dead_lettered_total` `{queue,task}`
 * - `guardian_job_duration_seconds{queue,task,outcome}`: time a handler ran
 * - `guardian_jobs{queue,state}`: jobs in the table, read from `queue.counts()` at most every 5 s
 */
export function createWorkerMetrics(registry: Registry, queue: JobQueue): WorkerMetrics {
  const claimed = counter(registry, "guardian_jobs_claimed_total", "Jobs claimed by workers.");
  const completed = counter(registry, "guardian_jobs_completed_total", "Jobs that completed.");
  const failed = counter(registry, "guardian_jobs_failed_total", "Job attempts that failed.");
  const dead = counter(
    registry,
    "guardian_jobs_dead_lettered_total",
    "Jobs that used up their attempts and became dead letters.",
  );
  const duration =
    (registry.getSingleMetric("guardian_job_duration_seconds") as
      Histogram<"queue" | "task" | "outcome"> | undefined) ??
    new Histogram({
      name: "guardian_job_duration_seconds",
      help: "Time a job's handler ran, by outcome (completed or failed).",
      labelNames: ["queue", "task", "outcome"] as const,
      buckets: durationBuckets,
      registers: [registry],
    });
  if (!registry.getSingleMetric("guardian_jobs")) {
    let cached: { at: number; counts: QueueCounts[] } | undefined;
    new Gauge({
      name: "guardian_jobs",
      help: "Jobs in the queue table by queue and state (waiting, running, dead).",
      labelNames: ["queue", "state"] as const,
      registers: [registry],
      async collect() {
        if (cached === undefined || Date.now() - cached.at > countsTtlMs) {
          // A database that cannot answer keeps the last counts rather than fail the scrape.
          const counts = await queue.counts().catch(() => cached?.counts ?? []);
          cached = { at: Date.now(), counts };
        }
        this.reset();
        for (const c of cached.counts) {
          this.set({ queue: c.queue, state: "waiting" }, c.waiting);
          this.set({ queue: c.queue, state: "running" }, c.running);
          this.set({ queue: c.queue, state: "dead" }, c.dead);
        }
      },
    });
  }
  return {
    claimed: (q, task) => claimed.inc({ queue: q, task }),
    completed(q, task, seconds) {
      completed.inc({ queue: q, task });
      duration.observe({ queue: q, task, outcome: "completed" }, seconds);
    },
    failed(q, task, seconds) {
      failed.inc({ queue: q, task });
      duration.observe({ queue: q, task, outcome: "failed" }, seconds);
    },
    deadLettered: (q, task) => dead.inc({ queue: q, task }),
  };
}
