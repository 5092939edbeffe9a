/**
 * The backup file: one line of manifest (JSON), then the body, one entry a line:
 *
 * - `etcd\t<mod_revision>\t<leased 0|1>\t<key base64>\t<value base64>`: a key of the store's
 *   etcd namespace as read at the backup's etcd revision.
 * - `row\t<table>\t<row JSON>`: one PostgreSQL row, as `to_jsonb(row)` printed it (JSON text
 *   never holds a raw tab or newline, and its numbers are kept as written, never as floats).
 *
 * The manifest names the format and its version, and the SHA-256 of the body's bytes.
 */

/** The name in every manifest. */
export const backupFormat = "guardian-backup";

/** The body layout this code writes and reads. */
export const backupFormatVersion = 1;

/** What a backup holds and how to check it; the first line of the file. */
export interface Manifest {
  format: typeof backupFormat;
  version: number;
  createdAt: string;
  /** The store engine the stack ran: etcd keys are only present for `etcd`. */
  storeEngine: "etcd" | "sql";
  /** The migrations the database had applied, in order; a restore needs the same. */
  migrations: string[];
  /** The etcd side: the namespace read and the revision it was read at (decimal strings). */
  etcd?: { namespace: string; revision: string; keys: number };
  /** Tables in restore order (a table after the tables it references), with row counts. */
  tables: { name: string; rows: number }[];
  body: { bytes: number; sha256: string };
}

/** A problem with a backup file or a restore target, reported without a stack trace. */
export class BackupError extends Error {
  override readonly name = "BackupError";
}

/** One etcd key of a backup. */
export interface EtcdEntry {
  key: Buffer;
  value: Buffer;
  modRevision: bigint;
  /** The key was attached to a lease (idempotency records): restored on a fresh lease. */
  leased: boolean;
}

/** Encodes an etcd key as a body line. */
export function etcdLine(e: EtcdEntry): string {
  const leased = e.leased ? "1" : "0";
  return `etcd\t${e.modRevision}\t${leased}\t${e.key.toString("base64")}\t${e.value.toString("base64")}\n`;
}

/** Encodes a PostgreSQL row (its JSON text) as a body line. */
export function rowLine(table: string, json: string): string {
  return `row\t${table}\t${json}\n`;
}

/** A decoded body line. */
export type BodyEntry =
  { kind: "etcd"; entry: EtcdEntry } | { kind: "row"; table: string; json: string };

/** Decodes one body line (without its newline); throws a BackupError for anything else. */
export function parseBodyLine(line: string, lineNo: number): BodyEntry {
  const fields = line.split("\t");
  if (fields[0] === "etcd" && fields.length === 5 && /^\d+$/.test(fields[1]!)) {
    return {
      kind: "etcd",
      entry: {
        modRevision: BigInt(fields[1]!),
        leased: fields[2] === "1",
        key: Buffer.from(fields[3]!, "base64"),
        value: Buffer.from(fields[4]!, "base64"),
      },
    };
  }
  if (fields[0] === "row" && fields.length === 3 && fields[2]!.startsWith("{")) {
    return { kind: "row", table: fields[1]!, json: fields[2]! };
  }
  throw new BackupError(`line ${lineNo} of the backup is not a backup entry`);
}

/** Checks a manifest line and returns the manifest; throws a BackupError naming the problem. */
export function parseManifest(line: string): Manifest {
  let m: Partial<Manifest>;
  try {
    m = JSON.parse(line) as Partial<Manifest>;
  } catch {
    throw new BackupError("not a Guardian backup: the first line is not a manifest");
  }
  if (m === null || typeof m !== "object" || m.format !== backupFormat) {
    throw new BackupError("not a Guardian backup: the manifest names no guardian-backup format");
  }
  if (m.version !== backupFormatVersion) {
    throw new BackupError(
      `backup format version ${String(m.version)} is not supported (this Guardian reads version ${backupFormatVersion})`,
    );
  }
  const ok =
    (m.storeEngine === "etcd" || m.storeEngine === "sql") &&
    Array.isArray(m.migrations) &&
    Array.isArray(m.tables) &&
    typeof m.body?.sha256 === "string" &&
    typeof m.body.bytes === "number" &&
    (m.storeEngine === "sql" || typeof m.etcd?.revision === "string");
  if (!ok) throw new BackupError("the backup's manifest is incomplete");
  return m as Manifest;
}
