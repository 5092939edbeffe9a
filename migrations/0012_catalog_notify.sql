-- Up Migration
-- Announces changes to projects and schemas on the guardian_catalog channel, so that every
-- process caching them (the config write path's lookups) forgets what changed right after
-- the change commits. The payload names the project, and the schema when only one changed.
-- Caches keep only what exists, so creating a project or a schema needs no announcement.
-- Deleting a project also deletes its schemas (ON DELETE CASCADE), each announced as well.
CREATE FUNCTION guardian_catalog_project_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('guardian_catalog', json_build_object('project', OLD.name)::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER projects_catalog_notify
  AFTER UPDATE OR DELETE ON projects
  FOR EACH ROW EXECUTE FUNCTION guardian_catalog_project_changed();

CREATE FUNCTION guardian_catalog_schema_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify(
    'guardian_catalog',
    json_build_object('project', OLD.project, 'schema', OLD.name)::text
  );
  RETURN NULL;
END;
$$;

CREATE TRIGGER schemas_catalog_notify
  AFTER UPDATE OR DELETE ON schemas
  FOR EACH ROW EXECUTE FUNCTION guardian_catalog_schema_changed();
