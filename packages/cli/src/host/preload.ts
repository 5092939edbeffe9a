// Imported first by the CLI's entry point, so that it runs before the rest of the CLI's
// modules are evaluated.
import { setFlagsFromString } from "node:v8";
import { preloadEmbeddedArtifacts } from "@guardian/db";

/**
 * V8 flags of `guardian dev`, set before PGlite's WebAssembly module compiles. PGlite's code
 * runs on V8's baseline compiler (Liftoff) only: with the optimizing tier, postgres's start
 * had V8 recompile its hottest functions with TurboFan on the other core while the start
 * still needed it, and the compiler's freed working memory stayed resident in glibc's heaps
 * (an idle `guardian dev` held about 220 MB, 155-160 MB without it, and became ready 300-500
 * ms sooner). Validated writes in embedded mode are about 10 % slower for it (bench/README.md).
 */
export const embeddedV8Flags = ["--liftoff-only"];

/**
 * Prepares the start of the command in `argv` (process.argv): for `guardian dev`, sets
 * {@link embeddedV8Flags} and starts compiling PGlite's module on V8's background threads,
 * so that this overlaps the rest of the start. Returns the V8 flags it set.
 */
export function prepareStart(argv: readonly string[]): string[] {
  if (argv[2] !== "dev") return [];
  for (const flag of embeddedV8Flags) setFlagsFromString(flag);
  preloadEmbeddedArtifacts();
  return embeddedV8Flags;
}

prepareStart(process.argv);
