import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** PGlite's WebAssembly module, compiled. */
export interface EmbeddedArtifacts {
  pgliteWasmModule: WebAssembly.Module;
}

/** V8's WebAssembly API (the project's TypeScript libraries declare only its types). */
const wasm = (
  globalThis as unknown as {
    WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssembly.Module> };
  }
).WebAssembly;

let pending: Promise<EmbeddedArtifacts | undefined> | undefined;

/**
 * The folder of PGlite's build (where `pglite.wasm` and `pglite.data` sit): the PGlite that
 * `@guardian/db` imports, found from that package whether this code runs from its source or
 * from the compiled CLI (whose `import.meta.url` is the bundle's).
 */
function pgliteDist(): string {
  const db = createRequire(import.meta.url).resolve("@guardian/db");
  return dirname(createRequire(db).resolve("@electric-sql/pglite"));
}

async function load(): Promise<EmbeddedArtifacts | undefined> {
  try {
    // Read synchronously: a read completing on the event loop would wait for the modules
    // still being evaluated, and the compilation must start before them. (PGlite reads its
    // file system bundle itself: a copy made here would only add to the resident memory.)
    const bytes = readFileSync(join(pgliteDist(), "pglite.wasm"));
    return { pgliteWasmModule: await wasm.compile(bytes) };
  } catch {
    // Only a head start: PGlite reads and compiles its files itself.
    return undefined;
  }
}

/**
 * Starts compiling PGlite's WebAssembly module (on V8's background
 * threads) so that this overlaps the rest of the start; the embedded database's open takes
 * the result. Call it as early as possible; calling it again does nothing.
 */
export function preloadEmbeddedArtifacts(): void {
  pending ??= load();
}

/**
 * Takes what {@link preloadEmbeddedArtifacts} prepared, once (so its buffers are not kept
 * for the life of the process); undefined when nothing was preloaded or the preload failed.
 */
export async function takeEmbeddedArtifacts(): Promise<EmbeddedArtifacts | undefined> {
  const taken = pending;
  pending = undefined;
  return taken;
}
