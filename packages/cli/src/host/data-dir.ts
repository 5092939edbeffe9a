import { randomBytes } from "node:crypto";
import { chmod, lstat, mkdir, readdir, readFile, realpath, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** The modes of everything in embedded mode's data directory: owner-only. */
export const dataDirModes = { directory: 0o700, file: 0o600 } as const;

/**
 * Makes embedded mode's data directory private to its owner: the process umask becomes 077
 * so that every file created later (PGlite's included) is 0600 and every directory 0700, and
 * the directory is created 0700 when missing or given mode 0700 when it exists. No other
 * user can then reach anything below it (every path into it passes through the directory
 * itself), so that what is below it may be repaired later ({@link repairModes}). The
 * directory may be reached through symbolic links.
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
 * inside it are left alone, never followed. Every entry of a directory is examined at once,
 * on the thread pool, so that the walk (the database's thousand-odd files) can run while the
 * server serves; an entry removed meanwhile is skipped.
 */
export async function repairModes(path: string): Promise<void> {
  await repairEntry(await realpath(path));
}

async function repairEntry(path: string): Promise<void> {
  const stat = await unlessGone(lstat(path));
  if (stat === undefined || stat.isSymbolicLink()) return;
  const mode = stat.mode & 0o7777;
  if (stat.isDirectory()) {
    if (mode !== dataDirModes.directory) await unlessGone(chmod(path, dataDirModes.directory));
    const entries = (await unlessGone(readdir(path))) ?? [];
    await Promise.all(entries.map((entry) => repairEntry(join(path, entry))));
  } else if (stat.isFile() && mode !== dataDirModes.file) {
    await unlessGone(chmod(path, dataDirModes.file));
  }
}

/** The result of `op`, or undefined when the path it works on no longer exists. */
async function unlessGone<T>(op: Promise<T>): Promise<T | undefined> {
  try {
    return await op;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
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
