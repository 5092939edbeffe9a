-- Up Migration
-- Whether a schema version was added with `force` although it broke stored configs
-- (guardian.schema.v1.SchemaVersion.forced).
ALTER TABLE schema_versions ADD COLUMN forced boolean NOT NULL DEFAULT false;
