import { createPool, migrate, withTransaction } from "@guardian/db";
import { openEtcd, readBackupSettings, reportingBackupErrors } from "../backup/connect.js";
import type { EtcdClient } from "../backup/etcd-export.js";
import { etcdTarget, firstRevision, importEtcd } from "../backup/etcd-import.js";
import { openBackupFile } from "../backup/file.js";
import { BackupError, type EtcdEntry } from "../backup/format.js";
import { checkMigrations, nonEmptyTables, startTableLoader } from "../backup/restore-tables.js";

/** Options of `guardian restore`. */
export interface RestoreOptions {
  from: string;
  force?: boolean;
  /** The restored store's revision is at least this (etcd engine). */
  minRevision?: string;
}

/**
 * `guardian restore --from PATH`: checks the file (format version, checksum), migrates the
 * target database, refuses a target that holds data (the database's, unless `force`; etcd
 * must always be fresh), loads every table in one transaction, then writes the store's etcd
 * keys back at their own revisions (docs/backup.md), and reports what it restored.
 */
export async function runRestore(opts: RestoreOptions): Promise<void> {
  await reportingBackupErrors("restore", async () => {
    const settings = readBackupSettings("restore");
    const minRevision = parseMinRevision(opts.minRevision);
    const backup = await openBackupFile(opts.from);
    const m = backup.manifest;
    if (m.storeEngine !== settings.storeEngine) {
      throw new BackupError(
        `the backup is of a stack on the ${m.storeEngine} store engine, but GUARDIAN_STORE_ENGINE is ${settings.storeEngine}`,
      );
    }
    if (minRevision !== undefined && !m.etcd) {
      throw new BackupError("--min-revision applies to the etcd store engine only");
    }
    await migrate({ databaseUrl: settings.databaseUrl });
    const pool = createPool({
      url: settings.databaseUrl,
      max: 1,
      applicationName: "guardian-restore",
    });
    let etcd: EtcdClient | undefined;
    try {
      await checkMigrations(pool, m);
      const busy = await nonEmptyTables(pool, m);
      const entries: EtcdEntry[] = [];
      let target = 0n;
      let etcdKeys = 0;
      if (m.etcd) {
        etcd = await openEtcd(settings);
        for await (const e of backup.entries()) if (e.kind === "etcd") entries.push(e.entry);
        if (entries.length !== m.etcd.keys) {
          throw new BackupError(
            `the backup lists ${m.etcd.keys} etcd keys but holds ${entries.length}; nothing was restored`,
          );
        }
        const backupRevision = BigInt(m.etcd.revision);
        target =
          minRevision !== undefined && minRevision > backupRevision ? minRevision : backupRevision;
        etcdKeys = (await etcdTarget(etcd, m.etcd.namespace)).keys;
        if (etcdKeys > 0) busy.push(`${etcdKeys} etcd keys under ${m.etcd.namespace}`);
      }
      if (busy.length > 0 && !opts.force) {
        throw new BackupError(
          `the target is not empty (${busy.join(", ")}); restore into an empty stack, or pass --force to replace the database's contents`,
        );
      }
      // A store that never held a key has no revisions to keep: nothing is written to etcd.
      let writeEtcd = false;
      if (etcd && m.etcd) {
        const first = firstRevision(entries, m.etcd.namespace, target);
        const { revision } = await etcdTarget(etcd, m.etcd.namespace);
        writeEtcd = entries.length > 0 || target > revision;
        if (etcdKeys > 0 || (writeEtcd && revision >= first)) {
          throw new BackupError(
            `etcd is at revision ${revision} with ${etcdKeys} keys under ${m.etcd.namespace}, but the backup's keys start at revision ${first}: a restore writes each key at its own revision, so it needs a fresh etcd cluster (nothing written to it)`,
          );
        }
      }
      const rows = await withTransaction(pool, async (client) => {
        const loader = await startTableLoader(client, m);
        for await (const e of backup.entries())
          if (e.kind === "row") await loader.add(e.table, e.json);
        return loader.finish();
      });
      if (etcd && m.etcd && writeEtcd) {
        await importEtcd(etcd, m.etcd.namespace, entries, target);
      }
      process.stdout.write(summary(entries, m.etcd?.namespace, target, rows));
    } finally {
      etcd?.close();
      await pool.end();
    }
  });
}

function parseMinRevision(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,19}$/.test(text)) {
    throw new BackupError(`--min-revision expects a revision number, got ${JSON.stringify(text)}`);
  }
  return BigInt(text);
}

function summary(
  entries: EtcdEntry[],
  ns: string | undefined,
  revision: bigint,
  rows: Map<string, number>,
): string {
  const lines = ["guardian restore: restored"];
  if (ns !== undefined) {
    const count = (part: string) =>
      entries.filter((e) => e.key.toString("utf8").startsWith(`${ns}${part}`)).length;
    lines.push(
      `  etcd: ${count("kv/")} configs, ${count("rev/")} revision records, ${count("idem/")} idempotency records; store revision ${revision}`,
    );
  }
  for (const [table, n] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${table}: ${n} rows`);
  }
  return `${lines.join("\n")}\n`;
}
