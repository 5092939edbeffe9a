import { createEtcdClient } from "@guardian/etcd";
import { exitOnConfigError, readConfig, type ConfigOf } from "@guardian/kit";
import { etcdConnectionFromSettings, storeEngineSettings } from "@guardian/store-service";
import { databaseSettings } from "../settings.js";
import { BackupError } from "./format.js";
import type { EtcdClient } from "./etcd-export.js";

/** The settings backup and restore read: the database and the store engine, as `serve` does. */
export const backupSettings = { ...databaseSettings, ...storeEngineSettings } as const;

/** The typed settings of backup and restore. */
export type BackupSettings = ConfigOf<typeof backupSettings>;

/**
 * Reads the settings. Without DATABASE_URL the stack is embedded (`guardian dev`), whose
 * database is a local data directory: the command refuses and says how to back that up.
 */
export function readBackupSettings(command: string): BackupSettings {
  if (!process.env["DATABASE_URL"]) {
    throw new BackupError(
      `${command} works on a production stack (DATABASE_URL, and ETCD_ENDPOINTS with GUARDIAN_STORE_ENGINE=etcd); for guardian dev, stop it and copy its data directory (GUARDIAN_DATA_DIR)`,
    );
  }
  return exitOnConfigError(() => readConfig(process.env, backupSettings));
}

/** Opens the etcd client of the store engine's settings (etcd engine only). */
export async function openEtcd(s: BackupSettings): Promise<EtcdClient> {
  if (!s.etcdEndpoints || s.etcdEndpoints.length === 0) {
    throw new BackupError("GUARDIAN_STORE_ENGINE=etcd needs ETCD_ENDPOINTS");
  }
  return createEtcdClient({ ...(await etcdConnectionFromSettings(s)), callTimeoutMs: 60_000 });
}

/** Runs a backup or restore command: a BackupError is printed as one line and exits 1. */
export async function reportingBackupErrors(command: string, fn: () => Promise<void>) {
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof BackupError)) throw err;
    process.stderr.write(`guardian ${command}: ${err.message}\n`);
    process.exitCode = 1;
  }
}
