import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ChangeType, StoredRevisionSchema, type StoredRevision } from "@guardian/api";
import type { Queryable } from "@guardian/db";

/** A row of revision_archive: a revision the archiver copied from the store. */
interface ArchiveRow {
  project: string;
  key: string;
  revision: string;
  create_revision: string;
  previous_revision: string;
  change_type: string;
  value: Buffer;
  deleted: boolean;
  author: string;
  message: string;
  request_id: string;
  schema_name: string;
  schema_version: number;
  validated_schema_version: number;
  rolled_back_from: string;
  labels: Record<string, string>;
  created_at: Date;
}

const columns = `project, key, revision, create_revision, previous_revision, change_type, value,
  deleted, author, message, request_id, schema_name, schema_version, validated_schema_version,
  rolled_back_from, labels, created_at`;

const changeTypes: Record<string, ChangeType> = {
  create: ChangeType.CREATE,
  update: ChangeType.UPDATE,
  delete: ChangeType.DELETE,
  rollback: ChangeType.ROLLBACK,
};

/** An archived revision with the revision that created the config it belongs to. */
export type ArchivedRevision = StoredRevision & { createRevision: bigint };

function toStored(r: ArchiveRow): ArchivedRevision {
  const stored = create(StoredRevisionSchema, {
    project: r.project,
    key: r.key,
    revision: BigInt(r.revision),
    previousRevision: BigInt(r.previous_revision),
    value: new Uint8Array(r.value),
    deleted: r.deleted,
    meta: {
      author: r.author,
      message: r.message,
      requestId: r.request_id,
      schema: r.schema_name,
      schemaVersion: r.schema_version,
      validatedSchemaVersion: r.validated_schema_version,
      changeType: changeTypes[r.change_type] ?? ChangeType.UNSPECIFIED,
      rolledBackFrom: BigInt(r.rolled_back_from),
      labels: r.labels,
      time: timestampFromDate(r.created_at),
    },
  });
  return Object.assign(stored, { createRevision: BigInt(r.create_revision) });
}

/** Reads one archived revision of a config. */
export async function selectArchivedRevision(
  db: Queryable,
  project: string,
  key: string,
  revision: bigint,
): Promise<ArchivedRevision | undefined> {
  const r = await db.query<ArchiveRow>(
    `SELECT ${columns} FROM revision_archive WHERE project = $1 AND key = $2 AND revision = $3`,
    [project, key, revision.toString()],
  );
  return r.rows[0] && toStored(r.rows[0]);
}

/** Reads the newest archived revision of a config at or below `revision`. */
export async function selectArchivedAt(
  db: Queryable,
  project: string,
  key: string,
  revision: bigint,
): Promise<ArchivedRevision | undefined> {
  const r = await db.query<ArchiveRow>(
    `SELECT ${columns} FROM revision_archive WHERE project = $1 AND key = $2 AND revision <= $3
      ORDER BY revision DESC LIMIT 1`,
    [project, key, revision.toString()],
  );
  return r.rows[0] && toStored(r.rows[0]);
}

/** Reads archived revisions of a config below `before` (exclusive), newest first. */
export async function selectArchivedHistory(
  db: Queryable,
  project: string,
  key: string,
  before: bigint | undefined,
  limit: number,
): Promise<ArchivedRevision[]> {
  const r = await db.query<ArchiveRow>(
    `SELECT ${columns} FROM revision_archive
      WHERE project = $1 AND key = $2 AND ($3::bigint IS NULL OR revision < $3)
      ORDER BY revision DESC LIMIT $4`,
    [project, key, before?.toString() ?? null, limit],
  );
  return r.rows.map(toStored);
}
