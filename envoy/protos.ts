import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createFileRegistry, fromBinary, type FileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

const run = promisify(execFile);

/** The repository root (this file lives in `envoy/`). */
export const repoRoot = fileURLToPath(new URL("..", import.meta.url));

/** The proto roots shipped in `@grpc/grpc-js-xds`, staged as buf modules of the same name. */
const protoRoots = ["envoy-api", "xds", "googleapis"] as const;

/**
 * Imports that the package does not ship. Files importing them (and files importing those)
 * are left out of the build; none of them is a type Guardian's gateway configures.
 */
const missingImports = [
  "io/prometheus/",
  "opencensus/",
  "opentelemetry/proto/",
  "google/api/expr/",
  "google/logging/",
  "google/longrunning/",
];

/** A staged copy of the Envoy API protos that buf can build. Call `remove()` when done. */
export interface StagedProtos {
  /** Directory holding `buf.yaml` and the module folders. */
  readonly dir: string;
  /** Every Envoy v3 file that compiles with what is shipped, relative to `dir`. */
  readonly envoyFiles: readonly string[];
  remove(): Promise<void>;
}

/** Returns the folder of protos shipped in `@grpc/grpc-js-xds` (`deps/`). */
export function vendoredProtoDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("@grpc/grpc-js-xds/package.json")), "deps");
}

/**
 * Copies the Envoy API protos shipped in `@grpc/grpc-js-xds` into a temporary buf workspace,
 * outside the repository's own `proto/` module so `buf lint` and `buf breaking` never see it.
 *
 * The shipped `validate.proto` predates `StringRules.ignore_empty`, which current Envoy files
 * use; the staged copy gets that field (number 26, as upstream protoc-gen-validate has it).
 */
export async function stageEnvoyProtos(): Promise<StagedProtos> {
  const source = vendoredProtoDir();
  const dir = await mkdtemp(join(tmpdir(), "guardian-envoy-protos-"));
  try {
    for (const root of protoRoots) {
      await cp(join(source, root), join(dir, root), { recursive: true });
    }
    const validate = await readFile(
      join(source, "protoc-gen-validate/validate/validate.proto"),
      "utf8",
    );
    await cp(join(source, "protoc-gen-validate/validate"), join(dir, "pgv/validate"), {
      recursive: true,
    });
    await writeFile(join(dir, "pgv/validate/validate.proto"), patchValidate(validate));
    await writeFile(
      join(dir, "buf.yaml"),
      ["version: v2", "modules:", ...[...protoRoots, "pgv"].map((m) => `  - path: ${m}`), ""].join(
        "\n",
      ),
    );
    const envoyFiles = await buildableEnvoyFiles(dir);
    return { dir, envoyFiles, remove: () => rm(dir, { recursive: true, force: true }) };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Adds `optional bool ignore_empty = 26;` to `StringRules` unless it is already there. */
export function patchValidate(text: string): string {
  const start = text.indexOf("message StringRules {");
  if (start < 0) {
    throw new Error("validate.proto: StringRules not found");
  }
  const end = text.indexOf("\n}", start);
  if (text.slice(start, end).includes("ignore_empty")) {
    return text;
  }
  return `${text.slice(0, end)}\n\n  // Added for current Envoy protos.\n  optional bool ignore_empty = 26;${text.slice(end)}`;
}

/**
 * Lists the Envoy v3 files (every `v3` folder under `envoy-api/envoy`) whose imports all
 * resolve within the staged roots, directly or through other included files.
 */
async function buildableEnvoyFiles(dir: string): Promise<string[]> {
  const all = (await readdir(join(dir, "envoy-api/envoy"), { recursive: true }))
    .filter((f) => f.endsWith(".proto") && f.split("/").includes("v3"))
    .map((f) => `envoy/${f}`)
    .sort();
  const imports = new Map<string, string[]>();
  for (const file of all) {
    const text = await readFile(join(dir, "envoy-api", file), "utf8");
    imports.set(
      file,
      [...text.matchAll(/^import\s+(?:public\s+)?"([^"]+)";/gm)].map((m) => m[1] ?? ""),
    );
  }
  const bad = new Set<string>();
  for (let changed = true; changed;) {
    changed = false;
    for (const [file, deps] of imports) {
      if (
        !bad.has(file) &&
        deps.some((d) => bad.has(d) || missingImports.some((m) => d.startsWith(m)))
      ) {
        bad.add(file);
        changed = true;
      }
    }
  }
  return all.filter((f) => !bad.has(f)).map((f) => `envoy-api/${f}`);
}

/** Runs the repository's `buf` binary with the given arguments in `cwd`. */
export async function runBuf(cwd: string, args: readonly string[]): Promise<void> {
  const buf = join(repoRoot, "node_modules/.bin/buf");
  try {
    await run(buf, [...args], { cwd, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? "";
    throw new Error(`buf ${args[0] ?? ""} failed in ${cwd}:\n${stderr}`, { cause: err });
  }
}

/**
 * Compiles every buildable Envoy v3 proto (bootstrap, clusters, routes and every extension)
 * into one descriptor set and returns it as a registry, for strict parsing of Envoy configs.
 */
export async function buildEnvoyRegistry(): Promise<FileRegistry> {
  const staged = await stageEnvoyProtos();
  try {
    const out = join(staged.dir, "envoy.binpb");
    await runBuf(staged.dir, [
      "build",
      "-o",
      out,
      ...staged.envoyFiles.flatMap((f) => ["--path", f]),
    ]);
    const set = fromBinary(FileDescriptorSetSchema, await readFile(out));
    return createFileRegistry(set);
  } finally {
    await staged.remove();
  }
}

/** The path of `file` relative to the repository root, for messages. */
export function repoPath(file: string): string {
  return relative(repoRoot, file);
}
