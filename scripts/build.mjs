// Compiles the Guardian CLI into packages/cli/dist/ (./guardian does this by itself whenever
// a source changed; run this to build ahead of time, as the container image does).
import { relative } from "node:path";
import { build, outDir, root } from "./lib/build.mjs";

await build();
process.stderr.write(`guardian: compiled into ${relative(root, outDir)}\n`);
