import type { Queryable } from "../../pool.js";
import type { Job } from "../types.js";

/** The channel enqueues notify (payload: the job's queue) and workers LISTEN on. */
export const jobsChannel = "guardian_jobs";

/** A `jobs` row as `pg` returns it. */
interface JobRow {
  id: string;
  queue: string;
  task: string;
  payload: unknown;
  priority: number;
  run_at: Date;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  job_key: string | null;
  locked_at: Date | null;
  locked_by: string | null;
  created_at: Date;
  updated_at: Date;
}

const columns = `id, queue, task, payload, priority, run_at, attempts, max_attempts, last_error,
  job_key, locked_at, locked_by, created_at, updated_at`;

// A dead letter: unlocked with its attempts used up (is_available is then false).
const isDead = "locked_at IS NULL AND attempts >= max_attempts";

function toJob(row: JobRow): Job {
  const state =
    row.locked_at !== null ? "running" : row.attempts >= row.max_attempts ? "dead" : "waiting";
  return {
    id: BigInt(row.id),
    queue: row.queue,
    task: row.task,
    payload: row.payload,
    priority: row.priority,
    runAt: row.run_at,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    lastError: row.last_error,
    jobKey: row.job_key,
    lockedAt: row.locked_at,
    lockedBy: row.locked_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    state,
  };
}

/** The columns of a new job, defaults applied. */
export interface NewJob {
  task: string;
  payload: unknown;
  queue: string;
  priority: number;
  runAt: Date | null;
  maxAttempts: number;
  jobKey: string | null;
}

/**
 * Inserts a job unless one with its key exists; with `notify`, the same statement sends
 * `pg_notify` (delivered when the transaction commits). Undefined when the key was taken.
 */
export async function insertJob(
  db: Queryable,
  job: NewJob,
  notify: boolean,
): Promise<bigint | undefined> {
  const wake = notify ? `, pg_notify('${jobsChannel}', queue)` : "";
  const result = await db.query<{ id: string }>(
    `WITH inserted AS (
       INSERT INTO jobs (task, payload, queue, priority, run_at, max_attempts, job_key)
       VALUES ($1, $2, $3, $4, coalesce($5, now()), $6, $7)
       ON CONFLICT (job_key) DO NOTHING
       RETURNING id, queue
     )
     SELECT id${wake} FROM inserted`,
    [
      job.task,
      JSON.stringify(job.payload),
      job.queue,
      job.priority,
      job.runAt,
      job.maxAttempts,
      job.jobKey,
    ],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : BigInt(row.id);
}

/** The id of the job holding `jobKey`, if any. */
export async function jobIdByKey(db: Queryable, jobKey: string): Promise<bigint | undefined> {
  const result = await db.query<{ id: string }>("SELECT id FROM jobs WHERE job_key = $1", [jobKey]);
  const row = result.rows[0];
  return row === undefined ? undefined : BigInt(row.id);
}

/**
 * Claims up to `limit` due, available jobs (of `queues`, or any queue when null) for
 * `workerId`: locks them and counts the attempt, in one statement. Highest priority first.
 */
export async function claimJobs(
  db: Queryable,
  workerId: string,
  queues: string[] | null,
  limit: number,
): Promise<Job[]> {
  const result = await db.query<JobRow>(
    `WITH picked AS (
       SELECT id FROM jobs
       WHERE is_available AND run_at <= now() AND ($2::text[] IS NULL OR queue = ANY($2::text[]))
       ORDER BY priority DESC, run_at, id
       LIMIT $3
       FOR UPDATE SKIP LOCKED
     )
     UPDATE jobs SET locked_at = now(), locked_by = $1, attempts = jobs.attempts + 1, updated_at = now()
     FROM picked WHERE jobs.id = picked.id
     RETURNING jobs.*`,
    [workerId, queues, limit],
  );
  return result.rows
    .map(toJob)
    .sort((a, b) => b.priority - a.priority || +a.runAt - +b.runAt || Number(a.id - b.id));
}

/** Deletes a job `workerId` completed. False when it no longer holds the lock. */
export async function deleteCompleted(
  db: Queryable,
  id: bigint,
  workerId: string,
): Promise<boolean> {
  const result = await db.query("DELETE FROM jobs WHERE id = $1 AND locked_by = $2", [
    id,
    workerId,
  ]);
  return result.rowCount === 1;
}

/**
 * Unlocks a failed attempt, keeps its error and schedules the next one `delayMs` from now.
 * Resolves to whether the job is now dead, or undefined when `workerId` no longer held it.
 */
export async function failAttempt(
  db: Queryable,
  id: bigint,
  workerId: string,
  error: string,
  delayMs: number,
): Promise<boolean | undefined> {
  const result = await db.query<{ dead: boolean }>(
    `UPDATE jobs SET locked_at = NULL, locked_by = NULL, last_error = $3,
       run_at = now() + $4 * interval '1 millisecond', updated_at = now()
     WHERE id = $1 AND locked_by = $2
     RETURNING attempts >= max_attempts AS dead`,
    [id, workerId, error, delayMs],
  );
  return result.rows[0]?.dead;
}

/** Unlocks jobs `workerId` gives back unfinished, without counting their attempt. */
export async function releaseJobs(db: Queryable, ids: bigint[], workerId: string): Promise<number> {
  const result = await db.query(
    `UPDATE jobs SET locked_at = NULL, locked_by = NULL, attempts = greatest(attempts - 1, 0),
       updated_at = now()
     WHERE id = ANY($1::bigint[]) AND locked_by = $2`,
    [ids.map(String), workerId],
  );
  return result.rowCount ?? 0;
}

/** Renews the locks `workerId` holds on running jobs, so that they do not look stale. */
export async function renewLocks(db: Queryable, ids: bigint[], workerId: string): Promise<void> {
  await db.query(
    "UPDATE jobs SET locked_at = now() WHERE id = ANY($1::bigint[]) AND locked_by = $2",
    [ids.map(String), workerId],
  );
}

/**
 * Unlocks jobs whose lock is older than `timeoutMs` (their worker stopped renewing it). The
 * attempt counts: a job at its last attempt becomes dead. Resolves to the unlocked jobs and
 * whether each is now dead.
 */
export async function resetStaleLocks(
  db: Queryable,
  timeoutMs: number,
): Promise<{ id: bigint; queue: string; task: string; dead: boolean }[]> {
  const result = await db.query<{ id: string; queue: string; task: string; dead: boolean }>(
    `WITH stale AS (
       SELECT id, locked_by FROM jobs
       WHERE locked_at < now() - $1 * interval '1 millisecond'
       FOR UPDATE SKIP LOCKED
     )
     UPDATE jobs SET locked_at = NULL, locked_by = NULL, updated_at = now(),
       last_error = 'the worker ' || coalesce(stale.locked_by, '?') || ' stopped renewing its lock'
     FROM stale WHERE jobs.id = stale.id
     RETURNING jobs.id, jobs.queue, jobs.task, jobs.attempts >= jobs.max_attempts AS dead`,
    [timeoutMs],
  );
  return result.rows.map((r) => ({ id: BigInt(r.id), queue: r.queue, task: r.task, dead: r.dead }));
}

/** One job by id. */
export async function selectJob(db: Queryable, id: bigint): Promise<Job | undefined> {
  const result = await db.query<JobRow>(`SELECT ${columns} FROM jobs WHERE id = $1`, [id]);
  const row = result.rows[0];
  return row === undefined ? undefined : toJob(row);
}

/** Dead letters after id `after`, oldest first, optionally of one queue. */
export async function selectDead(
  db: Queryable,
  queue: string | null,
  after: bigint,
  limit: number,
): Promise<Job[]> {
  const result = await db.query<JobRow>(
    `SELECT ${columns} FROM jobs
     WHERE ${isDead} AND ($1::text IS NULL OR queue = $1) AND id > $2
     ORDER BY id LIMIT $3`,
    [queue, after, limit],
  );
  return result.rows.map(toJob);
}

/** Makes a dead letter due now with its attempts reset; resolves to its queue, if it was dead. */
export async function reviveDead(
  db: Queryable,
  id: bigint,
  notify: boolean,
): Promise<string | undefined> {
  const wake = notify ? `, pg_notify('${jobsChannel}', queue)` : "";
  const result = await db.query<{ queue: string }>(
    `UPDATE jobs SET attempts = 0, run_at = now(), updated_at = now()
     WHERE id = $1 AND ${isDead}
     RETURNING queue${wake}`,
    [id],
  );
  return result.rows[0]?.queue;
}

/** Deletes a dead letter. False when there is no such dead job. */
export async function deleteDead(db: Queryable, id: bigint): Promise<boolean> {
  const result = await db.query(`DELETE FROM jobs WHERE id = $1 AND ${isDead}`, [id]);
  return result.rowCount === 1;
}

/** Jobs per queue and state. */
export async function countJobs(
  db: Queryable,
): Promise<{ queue: string; waiting: number; running: number; dead: number }[]> {
  const result = await db.query<{ queue: string; waiting: number; running: number; dead: number }>(
    `SELECT queue,
       count(*) FILTER (WHERE locked_at IS NULL AND attempts < max_attempts)::int AS waiting,
       count(*) FILTER (WHERE locked_at IS NOT NULL)::int AS running,
       count(*) FILTER (WHERE ${isDead})::int AS dead
     FROM jobs GROUP BY queue ORDER BY queue`,
  );
  return result.rows;
}
