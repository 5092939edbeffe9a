-- Up Migration
-- The scheduler's record of each scheduled housekeeping job: its last run (start, finish,
-- outcome, error, summary, replica) and its counters. The leader of the scheduler's election
-- writes a row only while the row's fencing token (the election revision of the leader that
-- last wrote it) is not above its own, so a deposed leader that has not noticed yet cannot
-- overwrite its successor's record. A job is due when last_finished_at plus its interval has
-- passed (or its last run was aborted), by this database's clock.

CREATE TABLE scheduled_jobs (
  name text COLLATE "C" PRIMARY KEY,
  last_started_at timestamptz,
  last_finished_at timestamptz,
  last_success_at timestamptz,
  last_status text CHECK (last_status IN ('ok', 'failed', 'aborted')),
  last_error text CHECK (length(last_error) <= 2000),
  last_summary jsonb,
  last_instance text NOT NULL DEFAULT '',
  runs bigint NOT NULL DEFAULT 0,
  failures bigint NOT NULL DEFAULT 0,
  fencing_token bigint NOT NULL DEFAULT 0
);
