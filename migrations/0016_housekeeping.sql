-- Up Migration
-- A project's history retention policy (guardian.config.v1.HistoryRetention). The history
-- retention job deletes an archived revision older than history_max_age_days that is not
-- among the newest history_min_revisions of its config. 0 days keeps history forever.
ALTER TABLE projects
  ADD COLUMN history_max_age_days integer NOT NULL DEFAULT 0
    CHECK (history_max_age_days BETWEEN 0 AND 36500),
  ADD COLUMN history_min_revisions integer NOT NULL DEFAULT 0
    CHECK (history_min_revisions BETWEEN 0 AND 1000000);

-- Per project, the lowest revision from which a past state can still be read from the
-- archive: the history retention job raises it as it deletes revisions, and a read of an
-- older state is refused as no longer retained instead of answering with configs missing.
CREATE TABLE revision_archive_horizon (
  project text PRIMARY KEY,
  revision bigint NOT NULL
);

-- The credential cleanup job finds ended sessions (expired or revoked) oldest end first.
CREATE INDEX auth_sessions_ended ON auth_sessions (least(expires_at, revoked_at));
