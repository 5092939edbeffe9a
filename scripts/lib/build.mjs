// Builds Guardian's programs from the workspace's TypeScript sources into compiled JavaScript
// (see build-bundle.mjs), and rebuilds the checkout's CLI when a source it was built from
// changes.
//
// The CLI is three ES module bundles in packages/cli/dist/: main.js (the CLI),
// worker-entry.js (the schema service's worker threads) and decode-entry.js (the thread that
// decodes large requests). The bundles sit three folders below the root, as the sources do,
// so the paths the sources compute from import.meta.url (the migrations folder, the bundled
// rate limits, the web console, the worker entries) still hold.
// The images build the CLI and the rate limit service the same way into a production-only
// tree (`buildInto`).
//
// The stamp beside the checkout's bundles lists every source the build read, with its size
// and modification time, plus the files that decide how sources compile and resolve, so that
// checking it at start costs one stat per file.
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { bundle } from "./build-bundle.mjs";

/** The checkout's root folder. */
export const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
/** Where the compiled CLI is written. */
export const outDir = join(root, "packages/cli/dist");
/** The compiled CLI's entry point. */
export const mainFile = join(outDir, "main.js");
const stampFile = join(outDir, "build-stamp.json");
/**
 * What each program is built from, where its bundles go (relative to the root of the tree it
 * runs in) and the packages it may run without (see build-bundle.mjs).
 */
export const targets = {
  // The CLI and the schema service's worker threads, loaded from beside the bundle.
  guardian: {
    entries: {
      main: "packages/cli/src/main.ts",
      "worker-entry": "services/schema/src/workers/worker-entry.ts",
      "decode-entry": "packages/kit/src/offload/decode-entry.ts",
    },
    outDir: "packages/cli/dist",
    buildOnly: ["vite"],
  },
  // The rate limit service (built for its image only; the checkout runs it with tsx).
  ratelimit: {
    entries: { main: "services/ratelimit/src/main.ts" },
    outDir: "services/ratelimit/dist",
  },
};
// Files outside the bundle's inputs whose change calls for a rebuild: what decides how the
// sources compile and resolve (the lockfile, tsconfig, every workspace package's manifest).
const alsoWatched = () => [
  "pnpm-lock.yaml",
  "tsconfig.json",
  "scripts/lib/build.mjs",
  "scripts/lib/build-bundle.mjs",
  ...["packages", "services"].flatMap((group) =>
    readdirSync(join(root, group)).map((name) => `${group}/${name}/package.json`),
  ),
];

const fingerprint = (file) => {
  try {
    const s = statSync(join(root, file));
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return "missing";
  }
};

/**
 * Reports why the compiled CLI is out of date (a changed or missing file), or undefined when
 * it was built from the sources as they are now.
 */
export function staleReason() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampFile, "utf8"));
  } catch {
    return "no build yet";
  }
  if (stamp.root !== root) return "the checkout moved";
  for (const [file, print] of Object.entries(stamp.files)) {
    if (fingerprint(file) !== print) return `${file} changed`;
  }
  return undefined;
}

/** Compiles the CLI and writes its stamp. Each file is replaced whole (write, then rename). */
export async function build() {
  const { outputFiles, metafile } = await bundle({ root, ...targets.guardian, outDir });
  writeOutput(outputFiles, outDir);
  const inputs = Object.keys(metafile.inputs).filter((f) => !f.includes("node_modules"));
  const files = Object.fromEntries(
    [...inputs, ...alsoWatched()].map((f) => [f.split(sep).join("/"), fingerprint(f)]),
  );
  const temp = `${stampFile}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify({ root, files }) + "\n");
  renameSync(temp, stampFile);
}

/**
 * Compiles one image's program into `tree`, a production-only copy of its dependencies made
 * by `pnpm deploy` (see deploy/docker/assemble.sh): the bundles go where they sit in the
 * checkout (`packages/cli/dist`, `services/ratelimit/dist`) and import packages from the
 * tree's node_modules. Returns the entry point's path.
 */
export async function buildInto(target, tree) {
  const spec = targets[target];
  if (spec === undefined) throw new Error(`unknown build target ${target}`);
  const into = join(tree, spec.outDir);
  const { outputFiles } = await bundle({ root, ...spec, outDir: into, modulesRoot: tree });
  writeOutput(outputFiles, into);
  return join(into, "main.js");
}

function writeOutput(outputFiles, dir) {
  mkdirSync(dir, { recursive: true });
  for (const file of outputFiles) {
    const temp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temp, file.contents);
    renameSync(temp, file.path);
  }
}

/**
 * Makes sure the compiled CLI matches the sources, rebuilding it (and saying so on stderr)
 * when it does not; returns the path of its entry point.
 */
export async function ensureBuilt() {
  const reason = staleReason();
  if (reason !== undefined) {
    process.stderr.write(`guardian: compiling the sources (${reason})\n`);
    await build();
  }
  return mainFile;
}
