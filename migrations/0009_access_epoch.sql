-- Up Migration
-- The access epoch: one counter that every change able to take access away moves forward,
-- in the same transaction as the change. Servers holding open streams read it (one small
-- query per process) to learn whether anything access-related changed since they last
-- re-authorized those streams; only then do they re-read the callers' credentials.
-- Grants (inserts) cannot take access away and leave it alone, and so do the frequent
-- bookkeeping updates (last_seen_at, last_used_at, profile refreshes).
CREATE TABLE access_epoch (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  epoch bigint NOT NULL
);
INSERT INTO access_epoch (id, epoch) VALUES (true, 0);

CREATE FUNCTION bump_access_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE access_epoch SET epoch = epoch + 1 WHERE id;
  RETURN NULL;
END
$$;

CREATE TRIGGER api_keys_access_epoch_update AFTER UPDATE ON api_keys FOR EACH ROW
  WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at
     OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
     OR OLD.scope IS DISTINCT FROM NEW.scope
     OR OLD.key_prefix IS DISTINCT FROM NEW.key_prefix
     OR OLD.project IS DISTINCT FROM NEW.project
     OR OLD.lookup IS DISTINCT FROM NEW.lookup
     OR OLD.secret_hash IS DISTINCT FROM NEW.secret_hash
     OR OLD.previous_secret_hash IS DISTINCT FROM NEW.previous_secret_hash
     OR OLD.previous_secret_expires_at IS DISTINCT FROM NEW.previous_secret_expires_at)
  EXECUTE FUNCTION bump_access_epoch();
CREATE TRIGGER api_keys_access_epoch_delete AFTER DELETE ON api_keys FOR EACH ROW
  EXECUTE FUNCTION bump_access_epoch();

CREATE TRIGGER role_bindings_access_epoch_update AFTER UPDATE ON role_bindings FOR EACH ROW
  WHEN (OLD.role IS DISTINCT FROM NEW.role
     OR OLD.project IS DISTINCT FROM NEW.project
     OR OLD.issuer IS DISTINCT FROM NEW.issuer
     OR OLD.subject IS DISTINCT FROM NEW.subject)
  EXECUTE FUNCTION bump_access_epoch();
CREATE TRIGGER role_bindings_access_epoch_delete AFTER DELETE ON role_bindings FOR EACH ROW
  EXECUTE FUNCTION bump_access_epoch();

CREATE TRIGGER users_access_epoch_update AFTER UPDATE ON users FOR EACH ROW
  WHEN (OLD.disabled IS DISTINCT FROM NEW.disabled
     OR OLD.global_roles IS DISTINCT FROM NEW.global_roles
     OR OLD.service_account IS DISTINCT FROM NEW.service_account
     OR OLD.issuer IS DISTINCT FROM NEW.issuer
     OR OLD.subject IS DISTINCT FROM NEW.subject
     OR OLD.username IS DISTINCT FROM NEW.username)
  EXECUTE FUNCTION bump_access_epoch();
CREATE TRIGGER users_access_epoch_delete AFTER DELETE ON users FOR EACH ROW
  EXECUTE FUNCTION bump_access_epoch();
