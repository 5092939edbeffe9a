// Compiles the Guardian CLI into packages/cli/dist/ (./guardian does this by itself whenever
// a source changed; run this to build ahead of time).
//
//   node scripts/build.mjs                          the checkout's CLI
//   node scripts/build.mjs <guardian|ratelimit> --into <tree>
//                                                   one image's program, into a production-only
//                                                   tree made by `pnpm deploy` (deploy/docker/assemble.sh)
import { relative } from "node:path";
import { build, buildInto, outDir, root, targets } from "./lib/build.mjs";

const [target, flag, tree] = process.argv.slice(2);
if (target === undefined) {
  await build();
  process.stderr.write(`guardian: compiled into ${relative(root, outDir)}\n`);
} else if (target in targets && flag === "--into" && tree !== undefined) {
  const main = await buildInto(target, tree);
  process.stderr.write(`guardian: compiled ${target} into ${main}\n`);
} else {
  process.stderr.write(
    `usage: node scripts/build.mjs [${Object.keys(targets).join("|")} --into <tree>]\n`,
  );
  process.exit(2);
}
