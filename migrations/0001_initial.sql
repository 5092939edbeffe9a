-- Up Migration
-- Users seen in a valid token (any issuer) and local users of the built-in issuer.
CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  issuer text NOT NULL,
  subject text NOT NULL,
  username text NOT NULL,
  email text,
  display_name text,
  -- Only local users of the built-in issuer have a password (scrypt, self-describing format).
  password_hash text,
  global_roles text[] NOT NULL DEFAULT '{}',
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz,
  UNIQUE (issuer, subject)
);
CREATE UNIQUE INDEX users_local_username ON users (lower(username)) WHERE password_hash IS NOT NULL;

-- Projects group configs, schemas, role bindings and API keys. The name is the id.
CREATE TABLE projects (
  name text PRIMARY KEY,
  display_name text NOT NULL DEFAULT '',
  description text NOT NULL DEFAULT '',
  labels jsonb NOT NULL DEFAULT '{}',
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Per-project grants of admin, editor or viewer to a principal (issuer + subject).
CREATE TABLE role_bindings (
  project text NOT NULL REFERENCES projects (name) ON DELETE CASCADE,
  issuer text NOT NULL,
  subject text NOT NULL,
  role text NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project, issuer, subject)
);
CREATE INDEX role_bindings_principal ON role_bindings (issuer, subject);

-- Project API keys. Only a hash of the secret is stored; `lookup` is the public part of the key.
CREATE TABLE api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project text NOT NULL REFERENCES projects (name) ON DELETE CASCADE,
  name text NOT NULL,
  lookup text NOT NULL UNIQUE,
  secret_hash text NOT NULL,
  scope text NOT NULL DEFAULT 'read' CHECK (scope IN ('read', 'read_write')),
  key_prefix text NOT NULL DEFAULT '',
  expires_at timestamptz,
  revoked_at timestamptz,
  rotated_from uuid REFERENCES api_keys (id),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);
CREATE INDEX api_keys_project ON api_keys (project);

-- JSON Schemas, per project, with immutable numbered versions.
CREATE TABLE schemas (
  project text NOT NULL REFERENCES projects (name) ON DELETE CASCADE,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  latest_version integer NOT NULL DEFAULT 0,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project, name)
);

CREATE TABLE schema_versions (
  project text NOT NULL,
  name text NOT NULL,
  version integer NOT NULL CHECK (version > 0),
  content jsonb NOT NULL,
  dialect text NOT NULL,
  message text NOT NULL DEFAULT '',
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project, name, version),
  FOREIGN KEY (project, name) REFERENCES schemas (project, name) ON DELETE CASCADE
);

-- Every mutation and every auth event.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  actor_kind text NOT NULL,
  action text NOT NULL,
  target text NOT NULL DEFAULT '',
  project text,
  request_id text NOT NULL DEFAULT '',
  result text NOT NULL CHECK (result IN ('ok', 'denied', 'failed')),
  detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_actor ON audit_log (actor, at DESC);
CREATE INDEX audit_log_project ON audit_log (project, at DESC) WHERE project IS NOT NULL;

-- The full revision history of every config, copied from the store by the archiver.
-- Keyed by config and revision so that copying twice changes nothing.
CREATE TABLE revision_archive (
  project text NOT NULL,
  key text COLLATE "C" NOT NULL,
  revision bigint NOT NULL,
  create_revision bigint NOT NULL,
  previous_revision bigint NOT NULL,
  change_type text NOT NULL CHECK (change_type IN ('create', 'update', 'delete', 'rollback')),
  -- The document bytes exactly as written (empty for deletions).
  value bytea NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  author text NOT NULL DEFAULT '',
  message text NOT NULL DEFAULT '',
  request_id text NOT NULL DEFAULT '',
  schema_name text NOT NULL DEFAULT '',
  schema_version integer NOT NULL DEFAULT 0,
  validated_schema_version integer NOT NULL DEFAULT 0,
  rolled_back_from bigint NOT NULL DEFAULT 0,
  labels jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  archived_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project, key, revision)
);
CREATE INDEX revision_archive_revision ON revision_archive (revision);

-- Background jobs (webhooks and maintenance), claimed with FOR UPDATE SKIP LOCKED.
CREATE TABLE jobs (
  id bigserial PRIMARY KEY,
  queue text NOT NULL DEFAULT 'default',
  task text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}',
  priority integer NOT NULL DEFAULT 0,
  run_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL DEFAULT 25 CHECK (max_attempts > 0),
  last_error text,
  job_key text UNIQUE,
  locked_at timestamptz,
  locked_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  is_available boolean GENERATED ALWAYS AS (locked_at IS NULL AND attempts < max_attempts) STORED
);
CREATE INDEX jobs_claimable ON jobs (queue, priority, run_at, id) WHERE is_available;
CREATE INDEX jobs_locked ON jobs (locked_at) WHERE locked_at IS NOT NULL;
