import type { Queryable } from "@guardian/db";

/** The first result of an idempotent write, by config and client-chosen key. */
export interface IdempotencyRecord {
  project: string;
  idempotencyKey: string;
  requestHash: string;
  revision: bigint;
  configKey: string;
}

/** Finds the idempotency records of several (project, config key, idempotency key) triples. */
export async function findIdempotencyMany(
  db: Queryable,
  wanted: { project: string; configKey: string; idempotencyKey: string }[],
): Promise<IdempotencyRecord[]> {
  if (wanted.length === 0) return [];
  const r = await db.query<{
    project: string;
    idempotency_key: string;
    request_hash: string;
    revision: string;
    config_key: string;
  }>({
    name: "store_find_idempotency_many",
    text: `SELECT project, idempotency_key, request_hash, revision, config_key FROM store_idempotency
      WHERE (project, config_key, idempotency_key) IN
            (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`,
    values: [
      wanted.map((w) => w.project),
      wanted.map((w) => w.configKey),
      wanted.map((w) => w.idempotencyKey),
    ],
  });
  return r.rows.map((row) => ({
    project: row.project,
    idempotencyKey: row.idempotency_key,
    requestHash: row.request_hash,
    revision: BigInt(row.revision),
    configKey: row.config_key,
  }));
}

/** Forgets idempotency records older than `maxAgeSeconds`. */
export async function pruneIdempotency(db: Queryable, maxAgeSeconds: number): Promise<void> {
  await db.query(
    "DELETE FROM store_idempotency WHERE created_at < now() - make_interval(secs => $1)",
    [maxAgeSeconds],
  );
}
