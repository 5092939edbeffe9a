-- Up Migration
-- Webhooks (WebhookService): HTTP endpoints that receive one signed POST per matching config
-- change. A periodic fan-out reads revisions after the cursor, inserts one delivery row per
-- (webhook, change) and enqueues one job per new row, all in one transaction; the job POSTs.

CREATE TABLE webhooks (
  id uuid PRIMARY KEY,
  project text NOT NULL REFERENCES projects (name) ON DELETE CASCADE,
  url text NOT NULL,
  -- The signing secret: AES-256-GCM sealed when a secret key is configured, else `plain:`.
  secret text NOT NULL,
  -- Segment-wise, like api_keys.key_prefix: '' matches every key.
  key_prefix text NOT NULL DEFAULT '',
  -- Change types ('create', 'update', 'delete', 'rollback'); empty matches every type.
  event_types text[] NOT NULL DEFAULT '{}',
  enabled boolean NOT NULL DEFAULT true,
  disabled_reason text NOT NULL DEFAULT '',
  -- Failed delivery attempts since the last success; reaching the threshold disables.
  consecutive_failures integer NOT NULL DEFAULT 0,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_project ON webhooks (project, id);
CREATE INDEX webhooks_enabled ON webhooks (project) WHERE enabled;

-- The delivery log: one row per (webhook, event), written by the fan-out, updated by every
-- attempt. The event body is fixed at fan-out, so every attempt sends the same bytes.
CREATE TABLE webhook_deliveries (
  id uuid PRIMARY KEY,
  -- Insertion order: the delivery log lists newest first by it.
  seq bigint GENERATED ALWAYS AS IDENTITY,
  webhook_id uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event_id text NOT NULL,
  revision bigint NOT NULL,
  event_type text NOT NULL,
  key text COLLATE "C" NOT NULL,
  event jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_http_status integer NOT NULL DEFAULT 0,
  last_latency_ms integer NOT NULL DEFAULT 0,
  last_error text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  last_attempt_at timestamptz,
  UNIQUE (webhook_id, event_id)
);
-- ListWebhookDeliveries: newest first per webhook.
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, seq DESC);

-- The fan-out cursor: every revision at or below it has been fanned out. One row, locked by
-- each fan-out transaction, so two runs never fan out the same revisions.
CREATE TABLE webhook_fanout_cursor (
  id integer PRIMARY KEY CHECK (id = 1),
  revision bigint NOT NULL
);
-- Webhooks created from now on receive changes after the revision the store has reached.
INSERT INTO webhook_fanout_cursor (id, revision)
  SELECT 1, greatest(
    (SELECT coalesce(max(revision), 0) FROM revision_archive),
    (SELECT coalesce(max(revision), 0) FROM store_log));
