import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Directories made here and not removed yet. */
const liveDirs = new Set<string>();

/**
 * Creates a fresh directory under the OS temp dir, named `guardian-<kind>-XXXXXX`.
 *
 * Each server instance keeps its data and logs in one such directory.
 */
export async function makeTempDir(kind: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `guardian-${kind}-`));
  liveDirs.add(dir);
  return dir;
}

/**
 * Removes a directory made by {@link makeTempDir}, unless `GUARDIAN_TESTKIT_KEEP=1` asks to
 * keep data and logs for debugging.
 */
export async function removeTempDir(dir: string): Promise<void> {
  liveDirs.delete(dir);
  if (keepDirs()) return;
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/**
 * Synchronously removes every directory made by {@link makeTempDir} that is still there;
 * for exit and signal handlers, which cannot wait.
 */
export function removeAllTempDirsNow(): void {
  const dirs = [...liveDirs];
  liveDirs.clear();
  if (keepDirs()) return;
  for (const dir of dirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // A server killed a moment ago may still be writing; the OS temp cleaner gets the rest.
    }
  }
}

function keepDirs(): boolean {
  return process.env["GUARDIAN_TESTKIT_KEEP"] === "1";
}
