-- Up Migration
-- Lock rows last only while a lease holds them. Fencing tokens come from one sequence shared
-- by every lock (as etcd's global revision is), so a lock whose row was deleted and created
-- again still hands out a token larger than every earlier one; the sequence starts past every
-- token handed out so far.
CREATE SEQUENCE cluster_fencing_tokens AS bigint;
SELECT setval(
  'cluster_fencing_tokens',
  COALESCE((SELECT max(fencing_token) FROM cluster_locks), 0) + 1,
  false
);

-- Deleting (or sweeping) a lease deletes the lock it held.
ALTER TABLE cluster_locks
  DROP CONSTRAINT cluster_locks_lease_id_fkey,
  ADD CONSTRAINT cluster_locks_lease_id_fkey
    FOREIGN KEY (lease_id) REFERENCES cluster_leases (id) ON DELETE CASCADE;
DELETE FROM cluster_locks WHERE lease_id IS NULL;
