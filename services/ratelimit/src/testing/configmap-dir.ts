import { mkdir, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** A directory laid out as Kubernetes mounts a ConfigMap volume (without subPath). */
export interface ConfigMapDir {
  /** The mounted directory. */
  readonly dir: string;
  /** Replaces the files the way the kubelet does: a new data directory, then a symlink swap. */
  update(files: Readonly<Record<string, string>>): Promise<void>;
}

/**
 * Creates a ConfigMap-style volume in `dir`: each key is a symlink `<key> -> ..data/<key>`,
 * `..data` is a symlink to a timestamped directory holding the files, and an update writes a
 * new timestamped directory, points `..data_tmp` at it, renames `..data_tmp` over `..data`
 * (atomic) and removes the old directory. The key symlinks themselves never change.
 */
export async function createConfigMapDir(
  dir: string,
  files: Readonly<Record<string, string>>,
): Promise<ConfigMapDir> {
  await mkdir(dir, { recursive: true });
  let generation = 0;
  let current: string | undefined;
  const update = async (next: Readonly<Record<string, string>>): Promise<void> => {
    generation++;
    const data = `..2026_11_30_00_00_${String(generation).padStart(2, "0")}.${process.pid}`;
    await mkdir(join(dir, data));
    for (const [name, text] of Object.entries(next)) await writeFile(join(dir, data, name), text);
    await symlink(data, join(dir, "..data_tmp"));
    await rename(join(dir, "..data_tmp"), join(dir, "..data"));
    for (const name of Object.keys(next)) {
      await symlink(join("..data", name), join(dir, name)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== "EEXIST") throw err;
      });
    }
    if (current !== undefined) await rm(join(dir, current), { recursive: true, force: true });
    current = data;
  };
  await update(files);
  return { dir, update };
}
