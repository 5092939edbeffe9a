-- Up Migration
-- A project's own version for optimistic concurrency (UpdateProject, DeleteProject). It starts
-- at 1 and every UpdateProject increments it. It is not a store revision.
ALTER TABLE projects ADD COLUMN version bigint NOT NULL DEFAULT 1 CHECK (version > 0);

-- Every project name ever created. Rows are never deleted, so the primary key keeps the name of
-- a deleted project from being reused (its history in the store and the archive stays
-- unambiguous). Deleting a project deletes its `projects` row, which cascades to its schemas,
-- role bindings and API keys, and marks its row here.
CREATE TABLE project_names (
  name text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  deleted_by text
);
INSERT INTO project_names (name, created_at) SELECT name, created_at FROM projects;
