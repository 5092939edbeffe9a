import { withTransaction, type Queryable } from "@guardian/db";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import type pg from "pg";
import { openPrivateJwk, sealPrivateJwk } from "./key-crypto.js";

/** The algorithm of the built-in issuer's keys. */
export const signingAlgorithm = "ES256";

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

async function retireCurrentSigningKey(db: Queryable, publishGraceMs: number): Promise<void> {
  await db.query(
    `UPDATE signing_keys
        SET retired_at = now(), publish_until = now() + $1 * interval '1 millisecond'
      WHERE retired_at IS NULL`,
    [publishGraceMs],
  );
}

async function insertSigningKey(
  db: Queryable,
  key: { kid: string; publicJwk: JWK; sealed: string },
): Promise<void> {
  await db.query(
    `INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk) VALUES ($1, $2, $3, $4)`,
    [key.kid, signingAlgorithm, JSON.stringify(key.publicJwk), key.sealed],
  );
}

/** Options of {@link rotateSigningKey} and {@link ensureSigningKey}. */
export interface SigningKeyOptions {
  /** Encrypts private keys at rest when set (GUARDIAN_SIGNING_KEY_SECRET). */
  secret: string | undefined;
  /**
   * How long a retired key stays published: at least the access-token lifetime plus clock
   * tolerance plus how long other processes may keep signing with a cached key.
   */
  publishGraceMs: number;
}

/** Creates a new ES256 key pair and its stored form; the kid is the JWK thumbprint. */
async function newSigningKey(secret: string | undefined) {
  const { publicKey, privateKey } = await generateKeyPair(signingAlgorithm, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  return { kid, publicJwk, sealed: sealPrivateJwk({ ...privateJwk, kid }, secret) };
}

// Serialises rotations across processes; the partial unique index on signing_keys is the
// backstop that keeps one current key.
const rotationLock = `SELECT pg_advisory_xact_lock(hashtext('guardian.signing_keys'))`;

/**
 * Replaces the current signing key with a new one. The old key is retired but stays
 * published for `publishGraceMs`, so tokens it signed keep verifying until they expire.
 * Returns the new kid.
 */
export async function rotateSigningKey(pool: pg.Pool, opts: SigningKeyOptions): Promise<string> {
  const key = await newSigningKey(opts.secret);
  await withTransaction(pool, async (client) => {
    await client.query(rotationLock);
    await retireCurrentSigningKey(client, opts.publishGraceMs);
    await insertSigningKey(client, key);
  });
  return key.kid;
}

/**
 * Encrypts every private key still stored as plain JSON (written while no secret was
 * configured) with `secret`. Returns how many keys it sealed.
 */
async function sealPlainSigningKeys(db: Queryable, secret: string): Promise<number> {
  const res = await db.query<{ kid: string; private_jwk: string }>(
    `SELECT kid, private_jwk FROM signing_keys WHERE private_jwk LIKE 'plain:%' FOR UPDATE`,
  );
  for (const row of res.rows) {
    const sealed = sealPrivateJwk(openPrivateJwk(row.private_jwk, undefined), secret);
    await db.query(`UPDATE signing_keys SET private_jwk = $2 WHERE kid = $1`, [row.kid, sealed]);
  }
  return res.rows.length;
}

/**
 * Makes sure a current signing key exists and is younger than `rotationMs`, rotating when
 * not. With a secret, first encrypts any private key still stored in plain JSON. Safe to
 * call from several processes at once. Returns the kid created, if any.
 */
export async function ensureSigningKey(
  pool: pg.Pool,
  opts: SigningKeyOptions & { rotationMs: number },
): Promise<string | undefined> {
  const key = await newSigningKey(opts.secret);
  return withTransaction(pool, async (client) => {
    await client.query(rotationLock);
    if (opts.secret !== undefined) await sealPlainSigningKeys(client, opts.secret);
    const current = await selectCurrentSigningKey(client);
    if (current) {
      // Fail here, at startup, rather than on the first Login.
      openPrivateJwk(current.sealed, opts.secret);
      if (Date.now() - current.createdAt.getTime() < opts.rotationMs) return undefined;
      await retireCurrentSigningKey(client, opts.publishGraceMs);
    }
    await insertSigningKey(client, key);
    return key.kid;
  });
}

/** Deletes retired keys that are no longer published. */
export async function pruneSigningKeys(db: Queryable): Promise<number> {
  const res = await db.query(`DELETE FROM signing_keys WHERE publish_until < now()`);
  return res.rowCount ?? 0;
}
