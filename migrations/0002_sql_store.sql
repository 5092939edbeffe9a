-- Up Migration
-- The SQL store engine (embedded mode and PostgreSQL-only deployments).
-- Writes serialize on the single row of store_state, so revisions commit in order and a
-- reader that has seen revision R has seen every revision below R.
CREATE TABLE store_state (
  id integer PRIMARY KEY CHECK (id = 1),
  revision bigint NOT NULL,
  -- Every change-log record at or below this revision may have been moved to the archive.
  compact_revision bigint NOT NULL
);
INSERT INTO store_state (id, revision, compact_revision) VALUES (1, 0, 0);

-- The current value of every config.
CREATE TABLE store_kv (
  project text NOT NULL,
  key text COLLATE "C" NOT NULL,
  value bytea NOT NULL,
  version bigint NOT NULL,
  create_revision bigint NOT NULL,
  change_type text NOT NULL,
  author text NOT NULL,
  message text NOT NULL,
  request_id text NOT NULL,
  schema_name text NOT NULL,
  schema_version integer NOT NULL,
  validated_schema_version integer NOT NULL,
  rolled_back_from bigint NOT NULL,
  labels jsonb NOT NULL,
  updated_at timestamptz NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (project, key)
);

-- The change log: the most recent revisions of every config; older ones move to revision_archive.
CREATE TABLE store_log (
  revision bigint PRIMARY KEY,
  project text NOT NULL,
  key text COLLATE "C" NOT NULL,
  create_revision bigint NOT NULL,
  previous_revision bigint NOT NULL,
  change_type text NOT NULL,
  value bytea NOT NULL,
  deleted boolean NOT NULL,
  author text NOT NULL,
  message text NOT NULL,
  request_id text NOT NULL,
  schema_name text NOT NULL,
  schema_version integer NOT NULL,
  validated_schema_version integer NOT NULL,
  rolled_back_from bigint NOT NULL,
  labels jsonb NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX store_log_config ON store_log (project, key, revision DESC);

-- Idempotency records: the first result of a write, by config and client-chosen key.
CREATE TABLE store_idempotency (
  project text NOT NULL,
  idempotency_key text NOT NULL,
  request_hash text NOT NULL,
  revision bigint NOT NULL,
  config_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project, config_key, idempotency_key)
);
CREATE INDEX store_idempotency_age ON store_idempotency (created_at);
