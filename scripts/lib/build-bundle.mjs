// Compiles TypeScript entry points of the workspace into ES module bundles with esbuild.
//
// A bundle holds the workspace's own code (@guardian/*) and the pure JavaScript packages
// listed in `bundled`; every other package stays a separate module, imported by a path
// relative to the bundle so that the folder may move. Each such path leads into pnpm's
// virtual store (node_modules/.pnpm/<name>@<version>.../node_modules/<name>/...), either the
// checkout's own or, for an image, that of a production-only tree made by `pnpm deploy`
// (`modulesRoot`): both are laid out from the same lockfile, so a package keeps its folder
// name, and a package the tree lacks stops the build.
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";

// Pure JavaScript packages that are bundled too: loading them from one file instead of
// hundreds saves most of the start's module loading. Every other package may load files of
// its own (wasm, protos, worker scripts, migrations) and stays a separate module.
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
  // Tracing's API (a no-op until the SDK, loaded only when tracing is on, registers itself).
  "@opentelemetry/api",
  "pg",
  "prom-client",
  "re2js",
  "yaml",
];
// CommonJS packages that only production adapters use (etcd, Redis): the bundle loads them on
// first use, so embedded mode never pays for them. Each is replaced by a module of getters
// that loads the package when one of its exports is first read.
const lazy = ["etcd3", "ioredis"];

// Changes to bundled packages' code for the one platform the bundles run on (Node), by file
// (its path inside node_modules/<package>/). Each replaces one piece of code, which every
// build checks is still there: a package update that changes it stops the build, so that
// the change gets looked at.
const forNode = [
  {
    file: "pg/lib/stream.js",
    // pg asks at load whether it runs on Cloudflare Workers. Without a `navigator` (Node 20)
    // it constructs a Response to find out, which loads Node's whole Fetch API (20-45 ms of
    // every start, before any request could need it).
    replace: "if (isCloudflareRuntime()) {",
    with: "if (false) {",
  },
];

const nodeOnly = () => ({
  name: "node-only",
  setup(build) {
    for (const change of forNode) {
      const tail = change.file.split("/").map(escapeRegExp).join("[\\\\/]");
      build.onLoad({ filter: new RegExp(`[\\\\/]node_modules[\\\\/]${tail}$`) }, async (args) => {
        const code = await readFile(args.path, "utf8");
        if (!code.includes(change.replace)) {
          return { errors: [{ text: `${change.file} no longer holds "${change.replace}"` }] };
        }
        return { contents: code.replace(change.replace, change.with), loader: "js" };
      });
    }
  },
});

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const packageOf = (specifier) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");

const importPath = (outDir, file) => {
  const rel = relative(outDir, file).split(sep).join("/");
  return rel.startsWith(".") ? rel : `./${rel}`;
};

/**
 * The esbuild plugin that keeps packages outside the bundle. `place(path)` gives where a file
 * the checkout resolved to is in the tree the bundle will run in (undefined: not there).
 */
const externalPackages = ({ outDir, place, buildOnly }) => ({
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
      const target = place(found.path);
      if (target === undefined) {
        // Tools a checkout uses (Vite, to build the web console from its sources) that a
        // production tree leaves out: loading them there fails, and the caller expects that.
        if (buildOnly.includes(name)) return { path: args.path, external: true };
        return {
          errors: [
            {
              text: `${name} (imported by ${relative(process.cwd(), args.importer)}) is missing from the production dependencies`,
            },
          ],
        };
      }
      if (lazy.includes(args.path)) {
        return { path: found.path, namespace: "lazy", pluginData: importPath(outDir, target) };
      }
      return { path: importPath(outDir, target), external: true };
    });
    build.onLoad({ filter: /.*/, namespace: "lazy" }, (args) => {
      const keys = Object.keys(createRequire(import.meta.url)(args.path));
      const contents = [
        "let loaded;",
        `const load = () => (loaded ??= __guardianRequire(${JSON.stringify(args.pluginData)}));`,
        `for (const key of ${JSON.stringify(keys)})`,
        "  Object.defineProperty(exports, key, { enumerable: true, get: () => load()[key] });",
      ].join("\n");
      return { contents, loader: "js" };
    });
  },
});

/**
 * Bundles `entries` (name → source, relative to `root`) into `outDir` and returns the output
 * files (not written) and esbuild's metafile. With `modulesRoot`, packages are imported from
 * that tree's node_modules; without it, from the checkout's. Packages in `buildOnly` may be
 * missing from `modulesRoot`: they stay bare specifiers.
 */
export async function bundle({ root, entries, outDir, modulesRoot = root, buildOnly = [] }) {
  const modules = join(root, "node_modules") + sep;
  const place = (file) => {
    if (modulesRoot === root) return file;
    if (!file.startsWith(modules)) return undefined;
    const target = join(modulesRoot, relative(root, file));
    return existsSync(target) ? target : undefined;
  };
  const esbuild = createRequire(createRequire(join(root, "package.json")).resolve("tsx")).resolve(
    "esbuild",
  );
  const { build, stop } = await import(pathToFileURL(esbuild).href);
  try {
    const result = await build({
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
      plugins: [nodeOnly(), externalPackages({ outDir, place, buildOnly })],
      // Bundled CommonJS packages require Node's built-in modules.
      banner: {
        js: 'import { createRequire as __guardianCreateRequire } from "node:module"; const require = __guardianCreateRequire(import.meta.url), __guardianRequire = require;',
      },
    });
    return { outputFiles: result.outputFiles, metafile: result.metafile };
  } finally {
    // esbuild's service process would otherwise live as long as the server.
    await stop();
  }
}
