/**
 * Regenerates the committed protobuf-es code of Envoy's rate limit service API
 * (`services/ratelimit/src/gen`) from the Envoy protos shipped in `@grpc/grpc-js-xds`.
 *
 * Run: `pnpm ratelimit:generate`.
 */
import { repoPath } from "./protos.js";
import { generateRlsCode, rlsGenDir } from "./rls-codegen.js";

await generateRlsCode(rlsGenDir);
process.stdout.write(`wrote ${repoPath(rlsGenDir)}\n`);
