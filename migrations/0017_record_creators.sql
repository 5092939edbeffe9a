-- Up Migration
-- Every change record names who created its key's incarnation, and when, so that a watch
-- event or a write's answer for an update says who created the config, not who updated it.
ALTER TABLE store_log
  ADD COLUMN key_created_by text,
  ADD COLUMN key_created_at timestamptz;
ALTER TABLE revision_archive
  ADD COLUMN key_created_by text,
  ADD COLUMN key_created_at timestamptz;

-- Records of configs that exist: their creator is kept with the current value.
UPDATE store_log l
   SET key_created_by = kv.created_by, key_created_at = kv.created_at
  FROM store_kv kv
 WHERE kv.project = l.project AND kv.key = l.key AND kv.create_revision = l.create_revision;

-- Records of deleted configs: the creating record, while the log still holds it. Older ones
-- (and archived records) are completed from the creating record when they are read.
UPDATE store_log l
   SET key_created_by = c.author, key_created_at = c.created_at
  FROM store_log c
 WHERE l.key_created_by IS NULL AND c.revision = l.create_revision;
