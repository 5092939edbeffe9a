import type { Queryable } from "@guardian/db";

/** One run of a test job, timed by the database's clock. */
export interface RunRow {
  job: string;
  replica: string;
  startedAt: Date;
  /** Unset while the run goes on, or when its process died during it. */
  finishedAt?: Date;
  outcome?: "ok" | "failed" | "aborted";
}

/** A job's record in `scheduled_jobs`, as the scheduler tests check it. */
export interface JobRecordRow {
  name: string;
  last_started_at: Date | null;
  last_finished_at: Date | null;
  last_success_at: Date | null;
  last_status: string | null;
  last_error: string | null;
  last_summary: Record<string, unknown> | null;
  last_instance: string;
  runs: string;
  failures: string;
  fencing_token: string;
}

/** Creates the table where test jobs log their runs (once per database). */
export async function createRunLog(db: Queryable): Promise<void> {
  await db.query(
    `CREATE TABLE IF NOT EXISTS scheduler_test_runs (
       id bigserial PRIMARY KEY, job text NOT NULL, replica text NOT NULL,
       started_at timestamptz NOT NULL DEFAULT clock_timestamp(), finished_at timestamptz,
       outcome text)`,
  );
}

/** Logs the start of a run; returns its id. */
export async function logRunStart(db: Queryable, job: string, replica: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    "INSERT INTO scheduler_test_runs (job, replica) VALUES ($1, $2) RETURNING id",
    [job, replica],
  );
  return rows[0]!.id;
}

/** Logs the end of a run. */
export async function logRunEnd(db: Queryable, id: string, outcome: string): Promise<void> {
  await db.query(
    "UPDATE scheduler_test_runs SET finished_at = clock_timestamp(), outcome = $2 WHERE id = $1",
    [id, outcome],
  );
}

/** The logged runs of `job`, in the order they started. */
export async function runsOf(db: Queryable, job: string): Promise<RunRow[]> {
  const { rows } = await db.query<{
    job: string;
    replica: string;
    started_at: Date;
    finished_at: Date | null;
    outcome: RunRow["outcome"] | null;
  }>(
    "SELECT job, replica, started_at, finished_at, outcome FROM scheduler_test_runs WHERE job = $1 ORDER BY started_at",
    [job],
  );
  return rows.map((r) => ({
    job: r.job,
    replica: r.replica,
    startedAt: r.started_at,
    ...(r.finished_at ? { finishedAt: r.finished_at } : {}),
    ...(r.outcome ? { outcome: r.outcome } : {}),
  }));
}

/** The scheduler's record of `job`, if any. */
export async function recordOf(db: Queryable, job: string): Promise<JobRecordRow | undefined> {
  const { rows } = await db.query<JobRecordRow>("SELECT * FROM scheduled_jobs WHERE name = $1", [
    job,
  ]);
  return rows[0];
}
