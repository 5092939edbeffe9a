// Builds the Guardian CLI from the workspace's TypeScript sources into compiled JavaScript,
// and rebuilds it when a source it was built from changes.
//
// The output is two ES module bundles in packages/cli/dist/: main.js (the CLI) and
// worker-entry.js (the schema service's worker threads). They hold the workspace's own code
// (@guardian/*) and the pure JavaScript packages listed in `bundled`; every other package
// stays a separate module, imported by a path relative to the bundle so that the checkout
// may move. The bundles sit three folders below the root, as the sources do, so the paths
// the sources compute from import.meta.url (the migrations folder, the bundled rate limits,
// the worker entry) still hold.
//
// The stamp beside the bundles lists every source the build read, with its size and
// modification time, plus the files that decide how sources compile and resolve, so that
// checking it at start costs one stat per file.
import { createRequire } from "node:module";
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The checkout's root folder. */
export const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
/** Where the compiled CLI is written. */
export const outDir = join(root, "packages/cli/dist");
/** The compiled CLI's entry point. */
export const mainFile = join(outDir, "main.js");
const stampFile = join(outDir, "build-stamp.json");
const entries = {
  main: "packages/cli/src/main.ts",
  "worker-entry": "services/schema/src/workers/worker-entry.ts",
};
// Files outside the bundle's inputs whose change calls for a rebuild: what decides how the
// sources compile and resolve (the lockfile, tsconfig, every workspace package's manifest).
const alsoWatched = () => [
  "pnpm-lock.yaml",
  "tsconfig.json",
  "scripts/lib/build.mjs",
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

// Pure JavaScript packages that are bundled too: loading them from one file instead of
// hundreds saves most of the start's module loading. Every other package stays a separate
// module (it may load files of its own: wasm, protos, worker scripts, migrations), imported
// by a path from the bundle to the file the importing source resolves to, as pnpm gives
// every package its own dependencies.
const bundled = [
  "@bufbuild/protobuf",
  "@connectrpc/connect",
  "@connectrpc/connect-node",
  "ajv",
  "ajv-formats",
  "fast-deep-equal",
  "fast-uri",
  "json-schema-traverse",
  "require-from-string",
  "jose",
  "lru-cache",
  "pg",
  "prom-client",
  "re2js",
  "yaml",
];
// CommonJS packages that only production adapters use (etcd, Redis): the bundle loads them on
// first use, so embedded mode never pays for them. Each is replaced by a module of getters
// that loads the package when one of its exports is first read.
const lazy = ["etcd3", "ioredis"];

const lazyModule = (path) => {
  const keys = Object.keys(createRequire(import.meta.url)(path));
  const from = JSON.stringify(bundleRelative(path));
  return [
    "let loaded;",
    `const load = () => (loaded ??= __guardianRequire(${from}));`,
    `for (const key of ${JSON.stringify(keys)})`,
    "  Object.defineProperty(exports, key, { enumerable: true, get: () => load()[key] });",
  ].join("\n");
};

const bundleRelative = (path) => {
  const rel = relative(outDir, path).split(sep).join("/");
  return rel.startsWith(".") ? rel : `./${rel}`;
};

const packageOf = (specifier) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");

const externalPackages = {
  name: "external-packages",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === "resolving") return undefined;
      if (args.path.startsWith("node:")) return { path: args.path, external: true };
      const name = packageOf(args.path);
      if (name.startsWith("@guardian/") || bundled.includes(name)) return undefined;
      const found = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: "resolving",
      });
      // An optional dependency that is not installed (pg-native): required at run time,
      // where the package expects the failure.
      if (found.errors.length > 0 && args.kind === "require-call") {
        return { path: args.path, external: true };
      }
      if (found.errors.length > 0) return { errors: found.errors };
      if (found.external) return { path: args.path, external: true };
      if (lazy.includes(args.path)) return { path: found.path, namespace: "lazy" };
      return { path: bundleRelative(found.path), external: true };
    });
    build.onLoad({ filter: /.*/, namespace: "lazy" }, (args) => ({
      contents: lazyModule(args.path),
      loader: "js",
    }));
  },
};

/** Compiles the CLI and writes its stamp. Each file is replaced whole (write, then rename). */
export async function build() {
  const esbuild = createRequire(createRequire(join(root, "package.json")).resolve("tsx")).resolve(
    "esbuild",
  );
  const { build: bundle, stop } = await import(pathToFileURL(esbuild).href);
  const result = await bundle({
    absWorkingDir: root,
    entryPoints: entries,
    outdir: outDir,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Not minified, so functions keep their names without esbuild's keepNames helpers,
    // which would cost a call for every closure made on the request path.
    sourcemap: "linked",
    metafile: true,
    write: false,
    logLevel: "error",
    plugins: [externalPackages],
    // Bundled CommonJS packages require Node's built-in modules.
    banner: {
      js: 'import { createRequire as __guardianCreateRequire } from "node:module"; const require = __guardianCreateRequire(import.meta.url), __guardianRequire = require;',
    },
  });
  // esbuild's service process would otherwise live as long as the server.
  await stop();
  mkdirSync(outDir, { recursive: true });
  for (const file of result.outputFiles) {
    const temp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temp, file.contents);
    renameSync(temp, file.path);
  }
  const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.includes("node_modules"));
  const files = Object.fromEntries(
    [...inputs, ...alsoWatched()].map((f) => [f.split(sep).join("/"), fingerprint(f)]),
  );
  const temp = `${stampFile}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify({ root, files }) + "\n");
  renameSync(temp, stampFile);
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
