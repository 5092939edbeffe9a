-- Up Migration
-- What `format` does when validating against a schema version
-- (guardian.schema.v1.SchemaVersion.format_mode): asserted, or only an annotation.
ALTER TABLE schema_versions
  ADD COLUMN format_mode text NOT NULL DEFAULT 'assert'
  CHECK (format_mode IN ('assert', 'annotate'));
