-- Up Migration
-- Every move of the access epoch is also announced on the channel `guardian_access`, with
-- the new epoch as payload, when its transaction commits. Servers listen on it to drop
-- cached credentials, accounts and role bindings at once, and to re-check open streams.
CREATE OR REPLACE FUNCTION bump_access_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  next_epoch bigint;
BEGIN
  UPDATE access_epoch SET epoch = epoch + 1 WHERE id RETURNING epoch INTO next_epoch;
  PERFORM pg_notify('guardian_access', next_epoch::text);
  RETURN NULL;
END
$$;
