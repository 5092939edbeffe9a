import type { Queryable } from "@guardian/db";
import type { RevisionRecord } from "../../engine/types.js";
import { recordColumns } from "./rows.js";

/**
 * Copies revision records into revision_archive in one statement. A record already there
 * (same project, key and revision) is left as it is, so copying twice is harmless. Returns
 * how many rows were new.
 */
export async function insertArchivedRevisions(
  db: Queryable,
  records: RevisionRecord[],
): Promise<number> {
  if (records.length === 0) return 0;
  const col = <T>(f: (r: RevisionRecord) => T) => records.map(f);
  const r = await db.query(
    `INSERT INTO revision_archive (${recordColumns})
     SELECT * FROM unnest(
       $1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::bytea[],
       $8::boolean[], $9::text[], $10::text[], $11::text[], $12::text[], $13::integer[],
       $14::integer[], $15::bigint[], $16::jsonb[], $17::timestamptz[], $18::text[],
       $19::timestamptz[])
     ON CONFLICT (project, key, revision) DO NOTHING`,
    [
      col((x) => x.revision.toString()),
      col((x) => x.project),
      col((x) => x.key),
      col((x) => x.createRevision.toString()),
      col((x) => x.previousRevision.toString()),
      col((x) => x.meta.changeKind),
      col((x) => Buffer.from(x.value)),
      col((x) => x.deleted),
      col((x) => x.meta.author),
      col((x) => x.meta.message),
      col((x) => x.meta.requestId),
      col((x) => x.meta.schema),
      col((x) => x.meta.schemaVersion),
      col((x) => x.meta.validatedSchemaVersion),
      col((x) => x.meta.rolledBackFrom.toString()),
      col((x) => JSON.stringify(x.meta.labels)),
      col((x) => x.meta.time),
      col((x) => x.creator?.author ?? null),
      col((x) => x.creator?.time ?? null),
    ],
  );
  return r.rowCount ?? 0;
}

/** Reads the highest archived revision (0n when the archive is empty). */
export async function selectNewestArchivedRevision(db: Queryable): Promise<bigint> {
  const r = await db.query<{ max: string | null }>(
    "SELECT max(revision)::text AS max FROM revision_archive",
  );
  return BigInt(r.rows[0]?.max ?? 0);
}
