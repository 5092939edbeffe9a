/**
 * Writes the gateway configs (envoy/envoy.yaml for docker-compose and
 * deploy/k8s/envoy/envoy.yaml for Kubernetes) from the access options in the protos.
 *
 * Run: `pnpm envoy:generate`. With `--check`, writes nothing and exits 1 when a committed
 * file differs from what would be written.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { renderEnvoyYaml } from "./bootstrap.js";
import { profiles } from "./profiles.js";
import { repoRoot } from "./protos.js";

const check = process.argv.includes("--check");
let stale = 0;
for (const profile of profiles) {
  const file = join(repoRoot, profile.output);
  const text = await renderEnvoyYaml(profile);
  if (check) {
    const current = await readFile(file, "utf8").catch(() => "");
    if (current !== text) {
      stale++;
      process.stderr.write(`${profile.output} is out of date: run pnpm envoy:generate\n`);
    }
  } else {
    await writeFile(file, text);
    process.stdout.write(`wrote ${profile.output}\n`);
  }
}
process.exitCode = stale > 0 ? 1 : 0;
