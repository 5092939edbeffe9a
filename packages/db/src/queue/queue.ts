import type pg from "pg";
import type { Queryable } from "../pool.js";
import {
  countJobs,
  deleteDead,
  insertJob,
  jobIdByKey,
  reviveDead,
  selectDead,
  selectJob,
} from "./sql/jobs.js";
import type { JobQueue, JobSpec } from "./types.js";

/** Options of {@link createJobQueue}. */
export interface JobQueueOptions {
  pool: pg.Pool;
  /**
   * How workers hear of new jobs: "postgres" sends NOTIFY on commit (workers LISTEN on a
   * connection of their own); "local" only nudges this process's workers (embedded mode,
   * where NOTIFY does not cross connections). Workers of this process are nudged in both.
   */
  notify: "postgres" | "local";
}

// The in-process wake-ups of each queue object, heard by the workers given that object.
const nudges = new WeakMap<JobQueue, EventTarget>();

/** The in-process wake-ups of a queue made by {@link createJobQueue}, if it is one. */
export function queueNudges(queue: JobQueue): EventTarget | undefined {
  return nudges.get(queue);
}

/** Longest accepted names and keys, in characters. */
const maxName = 200;

const maxInt32 = 2 ** 31 - 1;

// Names and keys must be non-empty and bounded; the integer columns hold 32 bits.
const badText = (t: string | undefined, max: number) =>
  t !== undefined && (t === "" || t.length > max);
const badInt = (n: number | undefined, min: number) =>
  n !== undefined && !(Number.isInteger(n) && n >= min && n <= maxInt32);

/** Refuses a spec the table cannot hold, naming every bad field. */
function checkSpec(spec: JobSpec): void {
  const bad = [
    badText(spec.task, maxName) && "task",
    badText(spec.queue, maxName) && "queue",
    badText(spec.jobKey, 1000) && "jobKey",
    badInt(spec.maxAttempts, 1) && "maxAttempts",
    badInt(spec.priority, -maxInt32) && "priority",
    spec.runAt !== undefined && Number.isNaN(spec.runAt.getTime()) && "runAt",
  ].filter((field) => field !== false);
  if (bad.length > 0) throw new RangeError(`invalid job spec: ${bad.join(", ")}`);
}

/**
 * Creates the job queue on the `jobs` table: enqueue (in the caller's transaction when given
 * a client), and the administration of dead letters. `enqueue` throws a RangeError naming
 * every field of a spec the table cannot hold (empty or over-long names and keys, attempts
 * or a priority outside 32 bits, an invalid date).
 */
export function createJobQueue(opts: JobQueueOptions): JobQueue {
  const { pool } = opts;
  const notify = opts.notify === "postgres";
  const target = new EventTarget();
  const nudge = (queue: string) => target.dispatchEvent(new CustomEvent("job", { detail: queue }));

  const queue: JobQueue = {
    async enqueue(spec, db?: Queryable) {
      checkSpec(spec);
      const row = {
        task: spec.task,
        payload: spec.payload ?? {},
        queue: spec.queue ?? "default",
        priority: spec.priority ?? 0,
        runAt: spec.runAt ?? null,
        maxAttempts: spec.maxAttempts ?? 25,
        jobKey: spec.jobKey ?? null,
      };
      const on = db ?? pool;
      // The job holding the key may finish between the insert and the lookup: try again.
      for (let tries = 0; ; tries++) {
        const id = await insertJob(on, row, notify);
        if (id !== undefined) {
          nudge(row.queue);
          return { id, created: true };
        }
        const existing = await jobIdByKey(on, row.jobKey!);
        if (existing !== undefined || tries >= 2) {
          if (existing === undefined) throw new Error(`job key ${row.jobKey} keeps changing hands`);
          return { id: existing, created: false };
        }
      }
    },
    listDead: ({ queue: name, after, limit }) => selectDead(pool, name ?? null, after ?? 0n, limit),
    get: (id) => selectJob(pool, id),
    async retry(id) {
      const name = await reviveDead(pool, id, notify);
      if (name === undefined) return false;
      nudge(name);
      return true;
    },
    discard: (id) => deleteDead(pool, id),
    counts: () => countJobs(pool),
  };
  nudges.set(queue, target);
  return queue;
}
