// Imported first by the CLI's entry point, so that it runs before the rest of the CLI's
// modules are evaluated.
import { preloadEmbeddedArtifacts } from "@guardian/db";

// `guardian dev` opens PGlite: its WebAssembly module compiles on V8's background threads
// while the rest of the CLI loads and the data directory is prepared.
if (process.argv[2] === "dev") preloadEmbeddedArtifacts();
