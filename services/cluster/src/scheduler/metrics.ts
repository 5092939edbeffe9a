import { Counter, Gauge, Histogram, Registry, type Metric } from "prom-client";
import type { RunStatus } from "./sql/scheduled-jobs.js";

/** Run duration buckets in seconds, from 10 ms to 30 min. */
const durationBuckets = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800];

/** What a scheduler reports; see {@link createSchedulerMetrics}. */
export interface SchedulerMetrics {
  ran(job: string, status: RunStatus, seconds: number): void;
  succeeded(job: string, at: Date): void;
  interval(job: string, ms: number): void;
  leading(group: string, leading: boolean): void;
}

// Schedulers of several groups may share one registry: the second one reuses the metrics.
function shared<T extends Metric>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * Registers the scheduler metrics in `registry` (a private one when none is given):
 *
 * - `guardian_scheduler_runs_total{scheduled_job,outcome}`: runs this replica ran, by
 *   outcome (`ok`, `failed`, `aborted`)
 * - `guardian_scheduler_run_duration_seconds{scheduled_job}`: how long each run took
 * - `guardian_scheduler_last_success_timestamp_seconds{scheduled_job}`: when the job last
 *   succeeded on any replica, as the record in PostgreSQL says (set while this replica leads)
 * - `guardian_scheduler_interval_seconds{scheduled_job}`: the job's interval
 *
 * The job's label is `scheduled_job`, since Prometheus gives every series a `job` label of
 * its own (the scrape job).
 * - `guardian_scheduler_leader{group}`: 1 while this replica leads the group's election
 */
export function createSchedulerMetrics(registry: Registry = new Registry()): SchedulerMetrics {
  const registers = [registry];
  const runs = shared(
    registry,
    "guardian_scheduler_runs_total",
    () =>
      new Counter({
        name: "guardian_scheduler_runs_total",
        help: "Scheduled job runs on this replica, by job and outcome (ok, failed, aborted).",
        labelNames: ["scheduled_job", "outcome"] as const,
        registers,
      }),
  );
  const duration = shared(
    registry,
    "guardian_scheduler_run_duration_seconds",
    () =>
      new Histogram({
        name: "guardian_scheduler_run_duration_seconds",
        help: "Duration of scheduled job runs on this replica, in seconds.",
        labelNames: ["scheduled_job"] as const,
        buckets: durationBuckets,
        registers,
      }),
  );
  const lastSuccess = shared(
    registry,
    "guardian_scheduler_last_success_timestamp_seconds",
    () =>
      new Gauge({
        name: "guardian_scheduler_last_success_timestamp_seconds",
        help: "Unix time of a scheduled job's last successful run on any replica, as recorded (reported by the leader).",
        labelNames: ["scheduled_job"] as const,
        registers,
      }),
  );
  const intervals = shared(
    registry,
    "guardian_scheduler_interval_seconds",
    () =>
      new Gauge({
        name: "guardian_scheduler_interval_seconds",
        help: "Time between the end of one run of a scheduled job and the start of the next, in seconds.",
        labelNames: ["scheduled_job"] as const,
        registers,
      }),
  );
  const leader = shared(
    registry,
    "guardian_scheduler_leader",
    () =>
      new Gauge({
        name: "guardian_scheduler_leader",
        help: "1 while this replica leads the scheduler election of a group (and runs its jobs), else 0.",
        labelNames: ["group"] as const,
        registers,
      }),
  );
  return {
    ran(job, status, seconds) {
      runs.inc({ scheduled_job: job, outcome: status });
      duration.observe({ scheduled_job: job }, seconds);
    },
    succeeded(job, at) {
      lastSuccess.set({ scheduled_job: job }, at.getTime() / 1_000);
    },
    interval(job, ms) {
      intervals.set({ scheduled_job: job }, ms / 1_000);
    },
    leading(group, on) {
      leader.set({ group }, on ? 1 : 0);
    },
  };
}
