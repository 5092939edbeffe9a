import type { Queryable } from "@guardian/db";

/** How a recorded run ended. */
export type RunStatus = "ok" | "failed" | "aborted";

/** What the scheduler reads of a job's record each tick. */
export interface JobRecordView {
  name: string;
  /** Whether the job may start now, by the database's clock. */
  due: boolean;
  /** The fencing token of the leader that last wrote the record (0 when none has). */
  fencingToken: bigint;
  lastSuccessAt?: Date;
}

/** The outcome a leader records when a run ends. */
export interface FinishedRun {
  status: RunStatus;
  /** The failure's message, already bounded. */
  error?: string;
  /** The run's summary as JSON text. */
  summary?: string;
}

// A job is due when it never finished, when its last run was aborted (cut short by a lost
// leadership or a stop), or when its interval has passed since its last run finished.
const dueSql = (record: string, intervalMs: string) =>
  `(${record}.last_finished_at IS NULL OR ${record}.last_status = 'aborted'
    OR ${record}.last_finished_at + ${intervalMs} * interval '1 millisecond' <= now())`;

/** Reads the records of `jobs` (names and intervals), in the order given. */
export async function readJobRecords(
  db: Queryable,
  jobs: readonly { name: string; intervalMs: number }[],
): Promise<JobRecordView[]> {
  const { rows } = await db.query<{
    name: string;
    due: boolean;
    fencing_token: string;
    last_success_at: Date | null;
  }>(
    `SELECT j.name, coalesce(r.fencing_token, 0)::text AS fencing_token, r.last_success_at,
       (r.name IS NULL OR ${dueSql("r", "j.interval_ms")}) AS due
     FROM unnest($1::text[], $2::float8[]) WITH ORDINALITY AS j(name, interval_ms, n)
     LEFT JOIN scheduled_jobs r ON r.name = j.name
     ORDER BY j.n`,
    [jobs.map((j) => j.name), jobs.map((j) => j.intervalMs)],
  );
  return rows.map((r) => ({
    name: r.name,
    due: r.due,
    fencingToken: BigInt(r.fencing_token),
    ...(r.last_success_at ? { lastSuccessAt: r.last_success_at } : {}),
  }));
}

/**
 * Records the start of a run by the leader holding `token`, if the job is due and no leader
 * with a higher token has written its record. Returns the previous success time (null if
 * none) when the run may start, undefined when it may not.
 */
export async function claimRun(
  db: Queryable,
  job: { name: string; intervalMs: number },
  token: bigint,
  instance: string,
): Promise<{ lastSuccessAt: Date | null } | undefined> {
  const { rows } = await db.query<{ last_success_at: Date | null }>(
    `INSERT INTO scheduled_jobs AS r (name, last_started_at, last_instance, fencing_token)
     VALUES ($1, now(), $3, $2)
     ON CONFLICT (name) DO UPDATE
       SET last_started_at = now(), last_instance = $3, fencing_token = $2
       WHERE r.fencing_token <= $2 AND ${dueSql("r", "$4::float8")}
     RETURNING r.last_success_at`,
    [job.name, token.toString(), instance, job.intervalMs],
  );
  return rows[0] ? { lastSuccessAt: rows[0].last_success_at } : undefined;
}

/**
 * Records how a run ended, if the record still carries `token` (no newer leader claimed
 * the job meanwhile). Returns the success time now recorded (null if never), or undefined
 * when the record was not written.
 */
export async function finishRun(
  db: Queryable,
  name: string,
  token: bigint,
  run: FinishedRun,
): Promise<{ lastSuccessAt: Date | null } | undefined> {
  const { rows } = await db.query<{ last_success_at: Date | null }>(
    `UPDATE scheduled_jobs
     SET last_finished_at = now(), last_status = $3, last_error = $4, last_summary = $5::jsonb,
       runs = runs + 1,
       failures = failures + CASE WHEN $3 = 'failed' THEN 1 ELSE 0 END,
       last_success_at = CASE WHEN $3 = 'ok' THEN now() ELSE last_success_at END
     WHERE name = $1 AND fencing_token = $2
     RETURNING last_success_at`,
    [name, token.toString(), run.status, run.error ?? null, run.summary ?? null],
  );
  return rows[0] ? { lastSuccessAt: rows[0].last_success_at } : undefined;
}
