import type { Queryable } from "@guardian/db";
import type { ApiKeyScopeName } from "@guardian/kit";

/** A row of `api_keys` as the API shows it (never a secret or hash). */
export interface ApiKeyRow {
  lookup: string;
  project: string;
  name: string;
  scope: "read" | "read_write";
  key_prefix: string;
  secret_hint: string;
  created_at: Date;
  created_by: string;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  /** Set only while a previous secret is in its grace period. */
  previous_secret_expires_at: Date | null;
  /** Revoked or expired. */
  dead: boolean;
}

const columns = `lookup, project, name, scope, key_prefix, secret_hint, created_at, created_by,
  expires_at, last_used_at, revoked_at,
  CASE WHEN previous_secret_expires_at > now() AND revoked_at IS NULL
       THEN previous_secret_expires_at END AS previous_secret_expires_at,
  (revoked_at IS NOT NULL OR coalesce(expires_at <= now(), false)) AS dead`;

const live = `revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`;

/** Serialises key creation per project and name, so "unique among live keys" holds. */
export async function lockApiKeyName(db: Queryable, project: string, name: string): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('guardian.api_key:' || $1 || '/' || $2))`, [
    project,
    name,
  ]);
}

/** Tells whether the project has a live key with this name. */
export async function liveApiKeyNameTaken(
  db: Queryable,
  project: string,
  name: string,
): Promise<boolean> {
  const res = await db.query(
    `SELECT 1 FROM api_keys WHERE project = $1 AND name = $2 AND ${live}`,
    [project, name],
  );
  return (res.rowCount ?? 0) > 0;
}

/** Inserts a new key. */
export async function insertApiKey(
  db: Queryable,
  key: {
    id: string;
    project: string;
    name: string;
    scope: string;
    keyPrefix: string;
    secretHash: string;
    secretHint: string;
    expiresAt?: Date;
    createdBy: string;
  },
): Promise<ApiKeyRow> {
  const res = await db.query<ApiKeyRow>(
    `INSERT INTO api_keys (lookup, project, name, scope, key_prefix, secret_hash, secret_hint,
                           expires_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     RETURNING ${columns}`,
    [
      key.id,
      key.project,
      key.name,
      key.scope,
      key.keyPrefix,
      key.secretHash,
      key.secretHint,
      key.expiresAt ?? null,
      key.createdBy,
    ],
  );
  return res.rows[0]!;
}

/** Reads one key of a project. */
export async function selectApiKey(
  db: Queryable,
  project: string,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<ApiKeyRow | undefined> {
  const res = await db.query<ApiKeyRow>(
    `SELECT ${columns} FROM api_keys WHERE project = $1 AND lookup = $2${opts.forUpdate ? " FOR UPDATE" : ""}`,
    [project, id],
  );
  return res.rows[0];
}

/** Reads a key by id alone (for WhoAmI of an API key). */
export async function selectApiKeyById(db: Queryable, id: string): Promise<ApiKeyRow | undefined> {
  const res = await db.query<ApiKeyRow>(`SELECT ${columns} FROM api_keys WHERE lookup = $1`, [id]);
  return res.rows[0];
}

/** Lists a project's keys newest first, after a key id. */
export async function listApiKeys(
  db: Queryable,
  project: string,
  opts: { after?: string; limit: number; includeRevoked: boolean },
): Promise<ApiKeyRow[]> {
  const res = await db.query<ApiKeyRow>(
    `SELECT ${columns} FROM api_keys
      WHERE project = $1 AND ($2 OR (${live}))
        AND ($3::text IS NULL OR (created_at, lookup) <
             (SELECT created_at, lookup FROM api_keys WHERE lookup = $3))
      ORDER BY created_at DESC, lookup DESC LIMIT $4`,
    [project, opts.includeRevoked, opts.after ?? null, opts.limit],
  );
  return res.rows;
}

/** Revokes a key (and any previous secret) if it is not revoked yet; returns the key. */
export async function revokeApiKey(db: Queryable, project: string, id: string): Promise<ApiKeyRow> {
  const res = await db.query<ApiKeyRow>(
    `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()),
                         previous_secret_hash = NULL, previous_secret_expires_at = NULL
      WHERE project = $1 AND lookup = $2
      RETURNING ${columns}`,
    [project, id],
  );
  return res.rows[0]!;
}

/**
 * Replaces a key's secret. The old secret stays valid for `graceMs` (0: not at all); a
 * secret that was already in a grace period is dropped.
 */
export async function rotateApiKeySecret(
  db: Queryable,
  project: string,
  id: string,
  secret: { hash: string; hint: string; graceMs: number },
): Promise<ApiKeyRow> {
  const res = await db.query<ApiKeyRow>(
    `UPDATE api_keys
        SET previous_secret_hash = CASE WHEN $5 > 0 THEN secret_hash END,
            previous_secret_expires_at = CASE WHEN $5 > 0
              THEN now() + $5 * interval '1 millisecond' END,
            secret_hash = $3, secret_hint = $4
      WHERE project = $1 AND lookup = $2
      RETURNING ${columns}`,
    [project, id, secret.hash, secret.hint, secret.graceMs],
  );
  return res.rows[0]!;
}

/** A key as authentication needs it: both secret hashes and whether each still applies. */
export interface ApiKeyCredentialRow {
  lookup: string;
  project: string;
  scope: ApiKeyScopeName;
  key_prefix: string;
  secret_hash: string;
  previous_secret_hash: string | null;
  previous_live: boolean;
  previous_secret_expires_at: Date | null;
  expires_at: Date | null;
  expired: boolean;
  revoked: boolean;
}

/** Reads a key with its secret hashes, for authenticating a presented secret. */
export async function selectApiKeyCredential(
  db: Queryable,
  id: string,
): Promise<ApiKeyCredentialRow | undefined> {
  const res = await db.query<ApiKeyCredentialRow>(
    `SELECT lookup, project, scope, key_prefix, secret_hash, previous_secret_hash,
            coalesce(previous_secret_expires_at > now(), false) AS previous_live,
            previous_secret_expires_at, expires_at,
            coalesce(expires_at <= now(), false) AS expired,
            revoked_at IS NOT NULL AS revoked
       FROM api_keys WHERE lookup = $1`,
    [id],
  );
  return res.rows[0];
}

/** Records use of several keys at once; a key used within the last minute is left alone. */
export async function touchApiKeys(db: Queryable, ids: readonly string[]): Promise<void> {
  await db.query(
    `UPDATE api_keys SET last_used_at = now()
      WHERE lookup = ANY($1::text[])
        AND coalesce(last_used_at < now() - interval '1 minute', true)`,
    [ids],
  );
}

/**
 * Deletes up to `limit` API keys revoked, or expired, more than `keepMs` ago, and returns
 * them (id and project). A key another key was rotated from stays until that one is gone.
 * Each delete moves the access epoch (migration 0009), which drops cached credentials.
 */
export async function deleteEndedApiKeys(
  db: Queryable,
  keepMs: number,
  limit: number,
): Promise<Array<{ id: string; project: string; name: string }>> {
  const r = await db.query<{ id: string; project: string; name: string }>(
    `DELETE FROM api_keys WHERE id IN (
       SELECT k.id FROM api_keys k
        WHERE least(k.revoked_at, k.expires_at)
                < now() - make_interval(secs => $1::double precision / 1000)
          AND NOT EXISTS (SELECT 1 FROM api_keys r WHERE r.rotated_from = k.id)
        ORDER BY k.id LIMIT $2)
     RETURNING id, project, name`,
    [keepMs, limit],
  );
  return r.rows;
}
