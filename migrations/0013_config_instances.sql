-- Up Migration
-- Apply reports (ConfigService.ReportConfigStatus): the running instances of clients that
-- report, per project, and the latest status each reported for each config. An instance
-- whose last report is older than the instance TTL is dead to every read at once; a periodic
-- sweep deletes it, and its statuses go with it. Deleting a project deletes its instances.

CREATE TABLE config_instances (
  project text NOT NULL REFERENCES projects (name) ON DELETE CASCADE,
  instance_id text COLLATE "C" NOT NULL,
  labels jsonb NOT NULL DEFAULT '{}',
  first_report_at timestamptz NOT NULL DEFAULT now(),
  last_report_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project, instance_id)
);
-- Counting a project's live instances, and the sweep of aged-out ones.
CREATE INDEX config_instances_last_report ON config_instances (project, last_report_at);
CREATE INDEX config_instances_sweep ON config_instances (last_report_at);

-- The latest status of one config on one instance: the version it applied or rejected.
CREATE TABLE config_instance_statuses (
  project text NOT NULL,
  key text COLLATE "C" NOT NULL,
  instance_id text COLLATE "C" NOT NULL,
  version bigint NOT NULL CHECK (version > 0),
  outcome text NOT NULL CHECK (outcome IN ('applied', 'rejected')),
  reason text NOT NULL DEFAULT '',
  reported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project, key, instance_id),
  FOREIGN KEY (project, instance_id) REFERENCES config_instances (project, instance_id)
    ON DELETE CASCADE
);
CREATE INDEX config_instance_statuses_instance
  ON config_instance_statuses (project, instance_id);
