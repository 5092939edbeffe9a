import { createHash } from "node:crypto";
import { cpSync, existsSync, readFileSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { migrationsDir } from "./migrate.js";

/** The checkout's cache of embedded database templates (node_modules/.cache/guardian). */
export const checkoutTemplatesDir = fileURLToPath(
  new URL("../../../node_modules/.cache/guardian", import.meta.url),
);

/**
 * The name of the template for the current migrations and database settings: a new data
 * directory copied from it needs no initdb and no migration.
 */
export function templateName(settings: readonly string[]): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify(settings));
  for (const file of readdirSync(migrationsDir).sort()) {
    hash.update(file);
    hash.update(readFileSync(join(migrationsDir, file)));
  }
  return `pgdata-${hash.digest("hex").slice(0, 16)}`;
}

/** Reports whether `dir` holds a PostgreSQL data directory. */
export function holdsDatabase(dir: string): boolean {
  return existsSync(join(dir, "PG_VERSION"));
}

/**
 * Returns the template data directory `templatesDir/name`, creating it first when missing
 * with `create` (which initializes, migrates and cleanly closes a database in the folder it
 * is given). Two processes creating it at once each build their own and the first rename
 * wins.
 */
export async function ensureTemplate(
  templatesDir: string,
  name: string,
  create: (dir: string) => Promise<void>,
): Promise<string> {
  const template = join(templatesDir, name);
  if (holdsDatabase(template)) return template;
  const building = join(templatesDir, `${name}.${process.pid}.tmp`);
  rmSync(building, { recursive: true, force: true });
  try {
    await create(building);
    renameSync(building, template);
  } catch (err) {
    if (!holdsDatabase(template)) throw err;
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return template;
}

/** Copies the template's files into `dataDir` (which must hold no database yet). */
export function copyTemplate(template: string, dataDir: string): void {
  cpSync(template, dataDir, { recursive: true });
}

/** Removes everything in `dataDir`, keeping the folder itself. */
export function emptyDir(dataDir: string): void {
  for (const entry of readdirSync(dataDir)) {
    rmSync(join(dataDir, entry), { recursive: true, force: true });
  }
}
