-- Up Migration
-- A mutation outside PostgreSQL (a config write in the store) records its audit event as
-- 'pending' before it runs, and settles it afterwards. A mutation whose event cannot be
-- written does not run; an event left 'pending' means the outcome was never confirmed.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_result_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_result_check
  CHECK (result IN ('ok', 'denied', 'failed', 'pending'));
