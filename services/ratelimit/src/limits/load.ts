import { readFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { LimitsConfigError, type LimitsConfig } from "./config.js";
import { parseLimits } from "./parse.js";

/** The limits files at a path: the path itself, or a directory's YAML files by name. */
export async function limitsFiles(path: string): Promise<string[]> {
  return (await stat(path)).isDirectory() ? yamlFilesIn(path) : [path];
}

/** The text of every limits file at a path, by file path, in load order. */
export async function readLimitsFiles(path: string): Promise<Map<string, string>> {
  const files = await limitsFiles(path);
  const out = new Map<string, string>();
  for (const file of files) out.set(file, await readFile(file, "utf8"));
  return out;
}

/** The `.yaml`/`.yml` files of a directory, by name; hidden entries (`..data`) are skipped. */
async function yamlFilesIn(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => !n.startsWith(".") && /\.ya?ml$/.test(n));
  const files: string[] = [];
  for (const name of names.sort()) {
    if ((await stat(join(dir, name))).isFile()) files.push(join(dir, name));
  }
  return files;
}

/**
 * Reads and validates the limits at `path`: one YAML file, or a directory whose every
 * `.yaml`/`.yml` file is one domain (as envoyproxy/ratelimit loads its config directory).
 */
export async function loadLimits(path: string): Promise<LimitsConfig[]> {
  return parseLimitsFiles(await readLimitsFiles(path));
}

/** Parses the texts of {@link readLimitsFiles}; a domain may appear in one file only. */
export function parseLimitsFiles(files: ReadonlyMap<string, string>): LimitsConfig[] {
  const configs: LimitsConfig[] = [];
  const owner = new Map<string, string>();
  for (const [file, text] of files) {
    const config = parseLimits(text, file);
    const first = owner.get(config.domain);
    if (first !== undefined) {
      throw new LimitsConfigError(file, [
        `domain: ${config.domain} is already defined in ${first}`,
      ]);
    }
    owner.set(config.domain, file);
    configs.push(config);
  }
  if (configs.length === 0) {
    throw new LimitsConfigError([...files.keys()].join(", ") || "<none>", ["no limits files"]);
  }
  return configs;
}
