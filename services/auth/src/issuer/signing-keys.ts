import { withTransaction } from "@guardian/db";
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import type pg from "pg";
import {
  insertSigningKey,
  lockSigningKeyRotation,
  retireCurrentSigningKey,
  deletePlainSigningKeys,
  inspectSigningKeys,
  selectCurrentSigningKey,
  type StoredSigningKey,
} from "@guardian/authz";
import { openPrivateJwk, sealPrivateJwk } from "./key-crypto.js";

/** The algorithm of the built-in issuer's keys. */
export const signingAlgorithm = "ES256";

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

/** A new key pair in its stored form. */
type SigningKey = Awaited<ReturnType<typeof newSigningKey>>;

/** What the first pass of {@link ensureSigningKey} answers when a key is to be made. */
const keyNeeded = Symbol("key needed");

/** Creates a new ES256 key pair and its stored form; the kid is the JWK thumbprint. */
async function newSigningKey(secret: string | undefined) {
  const { publicKey, privateKey } = await generateKeyPair(signingAlgorithm, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  return { kid, publicJwk, sealed: sealPrivateJwk({ ...privateJwk, kid }, secret) };
}

/**
 * Replaces the current signing key with a new one. The old key is retired but stays
 * published for `publishGraceMs`, so tokens it signed keep verifying until they expire.
 * Returns the new kid.
 */
export async function rotateSigningKey(pool: pg.Pool, opts: SigningKeyOptions): Promise<string> {
  const key = await newSigningKey(opts.secret);
  await withTransaction(pool, async (client) => {
    await lockSigningKeyRotation(client);
    await retireCurrentSigningKey(client, opts.publishGraceMs);
    await insertSigningKey(client, { ...key, alg: signingAlgorithm });
  });
  return key.kid;
}

/**
 * Makes sure a current signing key exists and is younger than `rotationMs`, rotating when
 * not. With a secret, first withdraws every key whose private JWK is stored in plain JSON:
 * whoever could read it may hold a copy, so encrypting it in place would leave that copy
 * able to sign (and the plain text stays in the database's files until they are rewritten).
 * A new key replaces it, and tokens it signed stop verifying. Safe to call from several
 * processes at once. Returns the kid created, if any.
 */
export async function ensureSigningKey(
  pool: pg.Pool,
  opts: SigningKeyOptions & { rotationMs: number },
): Promise<string | undefined> {
  // Opens the current key (failing here, at startup, rather than on the first Login) and
  // tells whether it is young enough to keep.
  const keeps = (current: StoredSigningKey) => {
    openPrivateJwk(current.sealed, opts.secret);
    return Date.now() - current.createdAt.getTime() < opts.rotationMs;
  };
  // Most calls (every start but the first) find a current key young enough, and none to
  // withdraw: one read, with no transaction or lock.
  const seen = await inspectSigningKeys(pool);
  if (seen.current && !(opts.secret !== undefined && seen.plain) && keeps(seen.current)) {
    return undefined;
  }
  // Otherwise under the rotation lock; a new key is made, outside the transaction, only when
  // one is to be stored.
  const ensure = (key: SigningKey | undefined) =>
    withTransaction(pool, async (client): Promise<string | undefined | typeof keyNeeded> => {
      await lockSigningKeyRotation(client);
      if (opts.secret !== undefined) await deletePlainSigningKeys(client);
      const current = await selectCurrentSigningKey(client);
      if (current && keeps(current)) return undefined;
      if (key === undefined) return keyNeeded;
      if (current) await retireCurrentSigningKey(client, opts.publishGraceMs);
      await insertSigningKey(client, { ...key, alg: signingAlgorithm });
      return key.kid;
    });
  const outcome = await ensure(undefined);
  if (outcome !== keyNeeded) return outcome;
  // Another process may have stored one meanwhile: the second pass looks again.
  const second = await ensure(await newSigningKey(opts.secret));
  return second === keyNeeded ? undefined : second;
}
