import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { sleep } from "@guardian/kit";

/**
 * The console package's folder. Written relative to this file in a way that also holds in the
 * compiled CLI (`packages/cli/dist/main.js` is as deep as `packages/console/src/build.ts`).
 */
export const consoleRoot = fileURLToPath(new URL("../../console/", import.meta.url));

/** Where the built console is (what `guardian dev` serves by default). */
export const consoleDist = join(consoleRoot, "dist");

const stampName = ".build-stamp.json";
/** A lock older than this was left by a build that died. */
const staleLockMs = 5 * 60_000;

/** Options for {@link ensureConsoleBuilt}. */
export interface EnsureConsoleOptions {
  /** Progress lines (a build takes a few seconds). */
  log?: (line: string) => void;
  /** Where to build to and serve from; default {@link consoleDist}. */
  dist?: string;
  /** The application's sources (`index.html`, `vite.config.ts`, `src/`); default `web/`. */
  web?: string;
}

/**
 * Builds the console with Vite when its sources changed since the last build (or it was never
 * built), and returns the folder to serve. Concurrent callers (several processes starting at
 * once) build it once: one holds a lock folder, the others wait and reuse its output. A build
 * is written to a temporary folder and moved into place whole.
 */
export async function ensureConsoleBuilt(opts: EnsureConsoleOptions = {}): Promise<string> {
  const dist = resolve(opts.dist ?? consoleDist);
  const web = resolve(opts.web ?? join(consoleRoot, "web"));
  const wanted = fingerprint(web);
  if (isCurrent(dist, wanted)) return dist;
  await withLock(`${dist}.build-lock`, async () => {
    if (isCurrent(dist, wanted)) return;
    const started = Date.now();
    opts.log?.("building the web console (its sources changed or it was never built)…");
    const temp = `${dist}.tmp-${process.pid}`;
    rmSync(temp, { recursive: true, force: true });
    const vite = await import("vite");
    await vite.build({
      root: web,
      configFile: join(web, "vite.config.ts"),
      build: { outDir: temp, emptyOutDir: true },
      logLevel: "warn",
    });
    writeFileSync(join(temp, stampName), JSON.stringify({ files: wanted }));
    rmSync(dist, { recursive: true, force: true });
    renameSync(temp, dist);
    opts.log?.(`built the web console in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
  return dist;
}

function isCurrent(dist: string, wanted: Record<string, string>): boolean {
  try {
    const stamp = JSON.parse(readFileSync(join(dist, stampName), "utf8")) as {
      files: Record<string, string>;
    };
    const keys = Object.keys(wanted);
    return (
      keys.length === Object.keys(stamp.files).length &&
      keys.every((k) => stamp.files[k] === wanted[k])
    );
  } catch {
    return false;
  }
}

/** The content hash of every file the build reads from this package, and the lockfile. */
function fingerprint(web: string): Record<string, string> {
  const files = [...walk(web), join(consoleRoot, "package.json")];
  const lockfile = join(consoleRoot, "..", "..", "pnpm-lock.yaml");
  if (existsSync(lockfile)) files.push(lockfile);
  return Object.fromEntries(
    files.map((f) => [
      relative(consoleRoot, f),
      createHash("sha256").update(readFileSync(f)).digest("base64url"),
    ]),
  );
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : walk(path);
    return [path];
  });
}

async function withLock(lockDir: string, run: () => Promise<void>): Promise<void> {
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const age = Date.now() - lockTime(lockDir);
      if (age > staleLockMs) rmSync(lockDir, { recursive: true, force: true });
      else await sleep(200);
    }
  }
  try {
    await run();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function lockTime(lockDir: string): number {
  try {
    return statSync(lockDir).mtimeMs;
  } catch {
    return Date.now();
  }
}
