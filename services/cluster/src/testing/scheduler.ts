import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ScheduledJob } from "@guardian/kit";
import { spawnProcess, type ManagedProcess } from "@guardian/testkit";
import type pg from "pg";
import { createEtcdClusterBackend } from "../backend/etcd/backend.js";
import { createSqlClusterBackend } from "../backend/sql/backend.js";
import type { ClusterBackend } from "../backend/types.js";
import { logRunEnd, logRunStart, type RunRow } from "./sql/scheduler-runs.js";

/** Where a test's scheduler replicas hold their election. */
export type ElectionPlace =
  { engine: "sql"; databaseUrl: string } | { engine: "etcd"; endpoints: string[]; prefix: string };

/** Opens a cluster backend of its own on `place` (one per replica). */
export function openBackend(place: ElectionPlace, pool: pg.Pool): ClusterBackend {
  return place.engine === "sql"
    ? createSqlClusterBackend({ pool, pollIntervalMs: 50, sweepIntervalMs: 100 })
    : createEtcdClusterBackend({ endpoints: place.endpoints, prefix: place.prefix });
}

/** Options of {@link loggingJob}. */
export interface LoggingJobOptions {
  name: string;
  intervalMs: number;
  /** Which replica runs it, as logged. */
  replica: string;
  /** Makes the n-th run (from 1) on this replica fail. */
  fails?: (n: number) => boolean;
  /** Awaited in the middle of each run (a test holds a run with it). */
  hold?: (signal: AbortSignal) => Promise<void>;
}

/** A job that logs each run in `scheduler_test_runs` and returns its run number. */
export function loggingJob(pool: pg.Pool, opts: LoggingJobOptions): ScheduledJob {
  let n = 0;
  return {
    name: opts.name,
    intervalMs: opts.intervalMs,
    async run({ signal }) {
      const run = ++n;
      const id = await logRunStart(pool, opts.name, opts.replica);
      await opts.hold?.(signal);
      const outcome = signal.aborted ? "aborted" : opts.fails?.(run) ? "failed" : "ok";
      await logRunEnd(pool, id, outcome);
      if (outcome === "failed") throw new Error(`run ${run} failed`);
      return { run };
    },
  };
}

/**
 * Checks that consecutive finished runs of one job never share a period: each starts at
 * least `intervalMs` after the previous one finished (unless that one was aborted), and no
 * later than `maxGapMs` after it (a missed period). `handovers` pairs are exempt from the
 * upper bound: the successor had to wait for the election. Returns the violations.
 */
export function periodViolations(
  runs: readonly RunRow[],
  intervalMs: number,
  maxGapMs: number,
): string[] {
  const problems: string[] = [];
  for (let i = 1; i < runs.length; i++) {
    const prev = runs[i - 1]!;
    const run = runs[i]!;
    if (!prev.finishedAt || prev.outcome === "aborted") continue;
    const gap = run.startedAt.getTime() - prev.finishedAt.getTime();
    if (gap < intervalMs) problems.push(`run ${i} started ${gap} ms after run ${i - 1} finished`);
    if (gap > maxGapMs && run.replica === prev.replica) {
      problems.push(`run ${i} started ${gap} ms after run ${i - 1} finished: a period was missed`);
    }
  }
  return problems;
}

const root = fileURLToPath(new URL("../../../..", import.meta.url));

/** What {@link spawnReplica} starts: one scheduler replica in a process of its own. */
export interface ReplicaSpec {
  place: ElectionPlace;
  databaseUrl: string;
  group: string;
  replica: string;
  jobs: { name: string; intervalMs: number }[];
  electionTtlMs: number;
  tickMs: number;
  logFile: string;
}

/** Starts `scheduler-replica.ts` in a child process (stopped by SIGTERM, killed by SIGKILL). */
export function spawnReplica(spec: ReplicaSpec): ManagedProcess {
  return spawnProcess({
    name: `scheduler replica ${spec.replica}`,
    command: process.execPath,
    args: [
      "--import",
      `file://${join(root, "node_modules/tsx/dist/loader.mjs")}`,
      fileURLToPath(new URL("./scheduler-replica.ts", import.meta.url)),
      JSON.stringify(spec),
    ],
    logFile: spec.logFile,
  });
}
