/**
 * A housekeeping job that runs periodically on exactly one replica: the scheduler
 * (`startScheduler` in the cluster service) runs it only while its replica leads the
 * scheduler's election, and records every run in PostgreSQL.
 */
export interface ScheduledJob {
  /** Unique name, as recorded in `scheduled_jobs` and shown in logs and metrics. */
  name: string;
  /** Time between the end of one run and the start of the next. */
  intervalMs: number;
  /**
   * One run. Must be idempotent: a run cut short by a lost leadership is run again, maybe on
   * another replica. What it resolves to is recorded as the run's summary.
   */
  run(ctx: ScheduledRunContext): Promise<Record<string, unknown> | void>;
}

/** What a run gets. */
export interface ScheduledRunContext {
  /** Aborted when the leadership is lost or the process stops. */
  signal: AbortSignal;
  /** When the previous run (on any replica) finished successfully, if ever. */
  lastSuccessAt?: Date;
}
