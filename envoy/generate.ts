/**
 * Writes gateway configs from environment files and the access options in the protos.
 *
 * - `pnpm envoy:generate`: every shipped environment (envoy/environment.yaml →
 *   envoy/envoy.yaml for docker-compose, deploy/k8s/envoy/environment.yaml →
 *   deploy/k8s/envoy/envoy.yaml for Kubernetes).
 * - `pnpm envoy:generate --env <environment.yaml> --out <envoy.yaml>`: one environment of
 *   your own (paths relative to the repository root, or absolute).
 *
 * With `--check`, writes nothing and exits 1 when a file differs from what would be written.
 * A malformed environment file stops it with a message naming the file and the field.
 */
import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { renderEnvoyYaml } from "./bootstrap.js";
import { EnvironmentError } from "./environment.js";
import { loadProfile, profiles, type GatewayProfile } from "./profiles.js";
import { repoRoot } from "./protos.js";

function selected(env: string | undefined, out: string | undefined): readonly GatewayProfile[] {
  if (env === undefined && out === undefined) return profiles;
  if (env === undefined || out === undefined) {
    throw new EnvironmentError("--env and --out go together");
  }
  return [loadProfile(env, out)];
}

try {
  const { values } = parseArgs({
    options: { check: { type: "boolean" }, env: { type: "string" }, out: { type: "string" } },
  });
  let stale = 0;
  for (const profile of selected(values.env, values.out)) {
    const file = resolve(repoRoot, profile.output);
    const text = await renderEnvoyYaml(profile);
    if (values.check === true) {
      const current = await readFile(file, "utf8").catch(() => "");
      if (current !== text) {
        stale++;
        process.stderr.write(`${profile.output} is out of date: run pnpm envoy:generate\n`);
      }
    } else {
      await writeFile(file, text);
      process.stdout.write(`wrote ${profile.output} from ${profile.environment}\n`);
    }
  }
  process.exitCode = stale > 0 ? 1 : 0;
} catch (err) {
  if (!(err instanceof EnvironmentError) && !(err instanceof TypeError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exitCode = 2;
}
