-- Up Migration
-- The SQL cluster backend (embedded mode and PostgreSQL-only deployments): leases with expiry
-- timestamps, and the elections, locks and service instances they hold. A row whose lease has
-- expired is dead to every read at once; a periodic sweeper deletes the expired leases, and
-- their rows go with them (or, for locks, are released).

-- One revision counter for the cluster primitives, bumped by every change that observers see.
CREATE TABLE cluster_state (
  id integer PRIMARY KEY CHECK (id = 1),
  revision bigint NOT NULL
);
INSERT INTO cluster_state (id, revision) VALUES (1, 0);

CREATE TABLE cluster_leases (
  id bigserial PRIMARY KEY,
  ttl_ms integer NOT NULL CHECK (ttl_ms > 0),
  expires_at timestamptz NOT NULL,
  granted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cluster_leases_expires_at ON cluster_leases (expires_at);

-- One row per candidate of an election. The leader is the live, not resigned candidate with
-- the lowest create_revision; that revision is its fencing token.
CREATE TABLE cluster_elections (
  election text COLLATE "C" NOT NULL,
  lease_id bigint NOT NULL REFERENCES cluster_leases (id) ON DELETE CASCADE,
  value text NOT NULL,
  create_revision bigint NOT NULL,
  -- Set by Resign; the candidate's Campaign stream then reports it and deletes the row.
  resigned boolean NOT NULL DEFAULT false,
  PRIMARY KEY (election, lease_id)
);
CREATE INDEX cluster_elections_order ON cluster_elections (election, create_revision)
  WHERE NOT resigned;
CREATE INDEX cluster_elections_lease ON cluster_elections (lease_id);

-- One row per lock name, kept after release so that fencing_token only ever grows: every
-- acquisition increments it in the acquiring transaction.
CREATE TABLE cluster_locks (
  name text COLLATE "C" PRIMARY KEY,
  fencing_token bigint NOT NULL DEFAULT 0,
  lease_id bigint REFERENCES cluster_leases (id) ON DELETE SET NULL,
  owner text NOT NULL DEFAULT '',
  acquired_at timestamptz
);
CREATE INDEX cluster_locks_lease ON cluster_locks (lease_id);

CREATE TABLE cluster_instances (
  service text COLLATE "C" NOT NULL,
  instance_id text COLLATE "C" NOT NULL,
  address text NOT NULL,
  port integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
  metadata jsonb NOT NULL DEFAULT '{}',
  tags text[] NOT NULL DEFAULT '{}',
  lease_id bigint NOT NULL REFERENCES cluster_leases (id) ON DELETE CASCADE,
  registered_at timestamptz NOT NULL,
  last_heartbeat_at timestamptz NOT NULL,
  PRIMARY KEY (service, instance_id)
);
CREATE INDEX cluster_instances_lease ON cluster_instances (lease_id);
