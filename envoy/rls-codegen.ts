import { cp, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot, runBuf, stageEnvoyProtos } from "./protos.js";

/** Where the generated code of Envoy's rate limit service API is committed. */
export const rlsGenDir = join(repoRoot, "services/ratelimit/src/gen");

/** The proto file of `envoy.service.ratelimit.v3.RateLimitService`, in the staged roots. */
const rlsProto = "envoy-api/envoy/service/ratelimit/v3/rls.proto";

/**
 * Generates protobuf-es code for `envoy/service/ratelimit/v3/rls.proto` and every file it
 * imports (well-known types come from `@bufbuild/protobuf/wkt`) into `outDir`, replacing
 * whatever was there. Same plugin and options as the repository's `buf.gen.yaml`.
 */
export async function generateRlsCode(outDir: string): Promise<void> {
  const staged = await stageEnvoyProtos();
  try {
    const template = join(staged.dir, "buf.gen.yaml");
    await writeFile(
      template,
      [
        "version: v2",
        "plugins:",
        `  - local: ${JSON.stringify(join(repoRoot, "node_modules/.bin/protoc-gen-es"))}`,
        "    out: gen",
        "    opt: [target=ts, import_extension=js]",
        "",
      ].join("\n"),
    );
    await runBuf(staged.dir, [
      "generate",
      "--template",
      template,
      "--path",
      rlsProto,
      "--include-imports",
    ]);
    await rm(outDir, { recursive: true, force: true });
    await mkdir(outDir, { recursive: true });
    await cp(join(staged.dir, "gen"), outDir, { recursive: true });
  } finally {
    await staged.remove();
  }
}
