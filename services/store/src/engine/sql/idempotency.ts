import type { Queryable } from "@guardian/db";

/** The first result of an idempotent write, by config and client-chosen key. */
export interface IdempotencyRecord {
  project: string;
  idempotencyKey: string;
  requestHash: string;
  revision: bigint;
  configKey: string;
}

/** Finds an idempotency record. */
export async function findIdempotency(
  db: Queryable,
  project: string,
  configKey: string,
  idempotencyKey: string,
): Promise<{ requestHash: string; revision: bigint; configKey: string } | undefined> {
  const r = await db.query<{ request_hash: string; revision: string; config_key: string }>(
    `SELECT request_hash, revision, config_key FROM store_idempotency
      WHERE project = $1 AND config_key = $2 AND idempotency_key = $3`,
    [project, configKey, idempotencyKey],
  );
  const row = r.rows[0];
  return (
    row && {
      requestHash: row.request_hash,
      revision: BigInt(row.revision),
      configKey: row.config_key,
    }
  );
}

/** Records the result of a write under its idempotency key. */
export async function insertIdempotency(db: Queryable, rec: IdempotencyRecord): Promise<void> {
  await db.query(
    `INSERT INTO store_idempotency (project, idempotency_key, request_hash, revision, config_key)
     VALUES ($1, $2, $3, $4, $5)`,
    [rec.project, rec.idempotencyKey, rec.requestHash, rec.revision.toString(), rec.configKey],
  );
}

/** Forgets idempotency records older than `maxAgeSeconds`. */
export async function pruneIdempotency(db: Queryable, maxAgeSeconds: number): Promise<void> {
  await db.query(
    "DELETE FROM store_idempotency WHERE created_at < now() - make_interval(secs => $1)",
    [maxAgeSeconds],
  );
}
