import { randomBytes } from "node:crypto";
import { chmodSync, lstatSync, readdirSync, realpathSync } from "node:fs";
import { chmod, lstat, mkdir, readFile, realpath, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** The modes of everything in embedded mode's data directory: owner-only. */
export const dataDirModes = { directory: 0o700, file: 0o600 } as const;

/**
 * Makes embedded mode's data directory private to its owner: the process umask becomes 077
 * so that every file created later (PGlite's included) is 0600 and every directory 0700, and
 * the directory is created 0700 when missing or given mode 0700 when it exists. No other
 * user can then reach anything below it (every path into it passes through the directory
 * itself); {@link repairModes} repairs the modes below it too. The directory may be reached
 * through symbolic links.
 */
export async function secureDataDir(dir: string): Promise<void> {
  process.umask(0o077);
  await mkdir(dir, { recursive: true, mode: dataDirModes.directory });
  const real = await realpath(dir);
  if (((await lstat(real)).mode & 0o7777) !== dataDirModes.directory) {
    await chmod(real, dataDirModes.directory);
  }
}

/**
 * Sets owner-only modes on `path` (resolved first, so a data directory given as a symbolic
 * link is repaired where it really is) and, for a directory, on everything below it; links
 * inside it are left alone, never followed. It runs at start only, before anything is
 * served, so it walks the tree (the database's thousand-odd files) with synchronous calls:
 * with the thread pool, the promises and callbacks of a call per file took as much of the
 * main thread as the calls themselves.
 */
export async function repairModes(path: string): Promise<void> {
  repairModesSync(realpathSync(path));
}

function repairModesSync(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    if ((stat.mode & 0o7777) !== dataDirModes.directory) chmodSync(path, dataDirModes.directory);
    for (const entry of readdirSync(path)) repairModesSync(join(path, entry));
  } else if (stat.isFile() && (stat.mode & 0o7777) !== dataDirModes.file) {
    chmodSync(path, dataDirModes.file);
  }
}

const minSecretLength = 32;

/**
 * Returns the secret kept in `dir/name`, generating it (256 random bits, base64url, mode
 * 0600) on first use. Two processes starting at once read the same secret: the file is
 * created exclusively. A file holding fewer than 32 characters stops the start.
 */
export async function localSecret(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  try {
    await writeFile(path, randomBytes(32).toString("base64url") + "\n", {
      flag: "wx",
      mode: dataDirModes.file,
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const secret = (await readFile(path, "utf8")).trim();
  if (secret.length < minSecretLength) {
    throw new Error(`${path} must hold a secret of at least ${minSecretLength} characters`);
  }
  return secret;
}
