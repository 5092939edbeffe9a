import type { Queryable } from "@guardian/db";
import type { JWK } from "jose";

/** The current signing key as stored: its private JWK still sealed. */
export interface StoredSigningKey {
  kid: string;
  alg: string;
  sealed: string;
  createdAt: Date;
}

/** Reads the current (unretired) signing key, if any. */
export async function selectCurrentSigningKey(
  db: Queryable,
): Promise<StoredSigningKey | undefined> {
  const res = await db.query<{ kid: string; alg: string; private_jwk: string; created_at: Date }>(
    `SELECT kid, alg, private_jwk, created_at FROM signing_keys WHERE retired_at IS NULL`,
  );
  const row = res.rows[0];
  return row && { kid: row.kid, alg: row.alg, sealed: row.private_jwk, createdAt: row.created_at };
}

/**
 * The current signing key, if any, and whether any key (current or retired) has its private
 * JWK stored in plain JSON: one read, for a caller that changes nothing when all is well.
 */
export async function inspectSigningKeys(
  db: Queryable,
): Promise<{ current: StoredSigningKey | undefined; plain: boolean }> {
  const res = await db.query<{
    kid: string | null;
    alg: string;
    private_jwk: string;
    created_at: Date;
    plain: boolean;
  }>(
    `SELECT k.kid, k.alg, k.private_jwk, k.created_at,
            EXISTS (SELECT 1 FROM signing_keys WHERE private_jwk LIKE 'plain:%') AS plain
       FROM (SELECT 1) AS one LEFT JOIN signing_keys k ON k.retired_at IS NULL`,
  );
  const row = res.rows[0]!;
  const current =
    row.kid === null
      ? undefined
      : { kid: row.kid, alg: row.alg, sealed: row.private_jwk, createdAt: row.created_at };
  return { current, plain: row.plain };
}

/** Retires the current key; it stays published for `publishGraceMs`. */
export async function retireCurrentSigningKey(
  db: Queryable,
  publishGraceMs: number,
): Promise<void> {
  await db.query(
    `UPDATE signing_keys
        SET retired_at = now(), publish_until = now() + $1 * interval '1 millisecond'
      WHERE retired_at IS NULL`,
    [publishGraceMs],
  );
}

/** Stores a new current key (its private JWK sealed). */
export async function insertSigningKey(
  db: Queryable,
  key: { kid: string; alg: string; publicJwk: JWK; sealed: string },
): Promise<void> {
  await db.query(
    `INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk) VALUES ($1, $2, $3, $4)`,
    [key.kid, key.alg, JSON.stringify(key.publicJwk), key.sealed],
  );
}

/**
 * Serialises key rotations across processes; the partial unique index on signing_keys is
 * the backstop that keeps one current key. Call inside a transaction.
 */
export async function lockSigningKeyRotation(db: Queryable): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('guardian.signing_keys'))`);
}

/**
 * Deletes every key whose private JWK is stored as plain JSON, current or retired: it is
 * neither used to sign nor published any more. Returns how many went.
 */
export async function deletePlainSigningKeys(db: Queryable): Promise<number> {
  const res = await db.query(`DELETE FROM signing_keys WHERE private_jwk LIKE 'plain:%'`);
  return res.rowCount ?? 0;
}

/** Deletes retired keys that are no longer published. */
export async function pruneSigningKeys(db: Queryable): Promise<number> {
  const res = await db.query(`DELETE FROM signing_keys WHERE publish_until < now()`);
  return res.rowCount ?? 0;
}

/** A published key's row: its public JWK and, once retired, when publishing ends. */
export interface PublishedKeyRow {
  kid: string;
  alg: string;
  public_jwk: JWK;
  publish_until: Date | null;
}

/** Reads the keys still published (the current one and retired ones in their grace), newest first. */
export async function selectPublishedSigningKeys(db: Queryable): Promise<PublishedKeyRow[]> {
  const res = await db.query<PublishedKeyRow>(
    `SELECT kid, alg, public_jwk, publish_until FROM signing_keys
      WHERE publish_until IS NULL OR publish_until > now()
      ORDER BY created_at DESC, kid`,
  );
  return res.rows;
}
