import { resolve } from "node:path";
import { createPool } from "@guardian/db";
import { openEtcd, readBackupSettings, reportingBackupErrors } from "../backup/connect.js";
import { exportEtcd, storeNamespace, type EtcdClient } from "../backup/etcd-export.js";
import { writeBackupFile } from "../backup/file.js";
import { BackupError } from "../backup/format.js";
import { exportTables } from "../backup/tables.js";

/** How often a backup is read again when a project was deleted between its two halves. */
const attempts = 3;

/** A project with configs in the etcd half is gone from the PostgreSQL half. */
class ProjectsMoved extends Error {
  override readonly name = "ProjectsMoved";
  constructor(readonly projects: string[]) {
    super(`projects deleted while the backup read them: ${projects.join(", ")}`);
  }
}

function asBackupError(err: unknown): unknown {
  if (!(err instanceof ProjectsMoved)) return err;
  return new BackupError(
    `${err.message}; each of ${attempts} attempts saw configs of a project the database no longer had, so no backup was written: run it again`,
  );
}

/**
 * `guardian backup --out PATH`: writes one file holding the store's etcd keys read at one
 * etcd revision and then every table read in one repeatable-read transaction, with the
 * archive cut at that revision (docs/backup.md). The file appears whole or not at all.
 */
export async function runBackup(opts: { out: string }): Promise<void> {
  await reportingBackupErrors("backup", async () => {
    const settings = readBackupSettings("backup");
    const out = resolve(opts.out);
    const pool = createPool({
      url: settings.databaseUrl,
      max: 1,
      applicationName: "guardian-backup",
    });
    let etcd: EtcdClient | undefined;
    try {
      if (settings.storeEngine === "etcd") etcd = await openEtcd(settings);
      const write = () =>
        writeBackupFile(out, async (w) => {
          // etcd first, PostgreSQL second: see "Consistency" in docs/backup.md.
          const kv = etcd ? await exportEtcd(etcd, storeNamespace, w) : undefined;
          const db = await exportTables(pool, w, {
            maxArchiveRevision: kv?.revision,
            projects: kv?.projects,
          });
          if (db.missing.length > 0) throw new ProjectsMoved(db.missing);
          return {
            storeEngine: settings.storeEngine,
            migrations: db.migrations,
            etcd: kv && {
              namespace: storeNamespace,
              revision: kv.revision.toString(),
              keys: kv.keys,
            },
            tables: db.tables,
          };
        });
      let manifest;
      for (let attempt = 1; manifest === undefined; attempt++) {
        try {
          manifest = await write();
        } catch (err) {
          if (!(err instanceof ProjectsMoved) || attempt === attempts) throw asBackupError(err);
        }
      }
      const rows = manifest.tables.reduce((n, t) => n + t.rows, 0);
      const at = manifest.etcd
        ? `${manifest.etcd.keys} etcd keys at revision ${manifest.etcd.revision}, `
        : "";
      process.stdout.write(
        `guardian backup: wrote ${out} (${at}${rows} rows in ${manifest.tables.length} tables, sha256 ${manifest.body.sha256})\n`,
      );
    } finally {
      etcd?.close();
      await pool.end();
    }
  });
}
