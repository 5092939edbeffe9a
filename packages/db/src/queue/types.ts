/**
 * The job queue's contract (pgqueue): jobs live in the `jobs` table, workers claim them with
 * `FOR UPDATE SKIP LOCKED`, failures retry with exponential backoff and jitter, and a job
 * that exhausts its attempts stays as a dead letter until it is retried or discarded.
 */
import type { Queryable } from "../pool.js";

/** What to enqueue. */
export interface JobSpec {
  /** The handler that runs the job (a key of the worker's `tasks`). */
  task: string;
  /** JSON payload handed to the handler. Default `{}`. */
  payload?: unknown;
  /** Queue name. Default "default". */
  queue?: string;
  /** Higher runs first among due jobs. Default 0. */
  priority?: number;
  /** Earliest start. Default now. */
  runAt?: Date;
  /** Attempts before the job becomes a dead letter. Default 25. */
  maxAttempts?: number;
  /**
   * De-duplication key: while a job with this key exists (waiting, running or dead), another
   * enqueue with the same key adds nothing and reports `created: false`.
   */
  jobKey?: string;
}

/** Where a job stands. */
export type JobState = "waiting" | "running" | "dead";

/** A job as stored. */
export interface Job {
  id: bigint;
  queue: string;
  task: string;
  payload: unknown;
  priority: number;
  runAt: Date;
  /** Attempts started so far (the running one included). */
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  jobKey: string | null;
  lockedAt: Date | null;
  lockedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  state: JobState;
}

/** What a handler gets besides the job. */
export interface JobContext {
  /** Aborted when the worker stops and the job should give up (it is then released). */
  signal: AbortSignal;
}

/**
 * Runs one job. Resolving completes it (the row is deleted); throwing fails the attempt.
 * Handlers must be idempotent: a job whose worker crashed is run again.
 */
export type TaskHandler = (job: Job, ctx: JobContext) => Promise<void>;

/** Queue counts per queue and state, for metrics and the admin RPCs. */
export interface QueueCounts {
  queue: string;
  waiting: number;
  running: number;
  dead: number;
}

/** Enqueueing and administration. */
export interface JobQueue {
  /**
   * Adds a job. Pass `db` (a client inside the caller's transaction) to enqueue in that
   * transaction: the job then exists if and only if the transaction commits. Workers are
   * woken (NOTIFY on commit in production, the in-process nudge in embedded mode).
   */
  enqueue(spec: JobSpec, db?: Queryable): Promise<{ id: bigint; created: boolean }>;
  /** Dead letters, oldest first, after id `after` (paging). */
  listDead(opts: { queue?: string; after?: bigint; limit: number }): Promise<Job[]>;
  /** One job by id. */
  get(id: bigint): Promise<Job | undefined>;
  /** Makes a dead letter runnable again (attempts reset). False when no such dead job. */
  retry(id: bigint): Promise<boolean>;
  /** Deletes a dead letter. False when no such dead job. */
  discard(id: bigint): Promise<boolean>;
  /** Counts per queue and state. */
  counts(): Promise<QueueCounts[]>;
}

/** A running worker. */
export interface Worker {
  /** Stops claiming; running jobs finish within `graceMs` or are released. */
  stop(): Promise<void>;
}
