import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { configSpecs, knownVariables } from "@guardian/cli";
import { describeConfig } from "@guardian/kit";
import { ratelimitSettings } from "@guardian/ratelimit-service";
import { parse } from "yaml";

/** The repository root (this file lives in `deploy/`). */
export const repoRoot = fileURLToPath(new URL("..", import.meta.url));

/** Reads a repository file as text. */
export function readRepoFile(path: string): Promise<string> {
  return readFile(join(repoRoot, path), "utf8");
}

/** Reports whether a repository path exists. */
export async function repoPathExists(path: string): Promise<boolean> {
  try {
    await access(join(repoRoot, path));
    return true;
  } catch {
    return false;
  }
}

/** The variables a `guardian` process accepts. */
export function guardianVariables(): Set<string> {
  return new Set(knownVariables());
}

/** The variables the rate limit service accepts (its own spec). */
export function ratelimitVariables(): Set<string> {
  return new Set(describeConfig(ratelimitSettings).map((v) => v.name));
}

/**
 * Tells whether an image reference is pinned: an explicit version tag (not `latest`, with a
 * digit) or a digest.
 */
export function isPinnedImage(ref: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(ref)) return true;
  const tag = /:([\w][\w.-]*)$/.exec(ref.replace(/^[^/]+:\d+\//, ""))?.[1];
  return tag !== undefined && tag !== "latest" && /\d/.test(tag);
}

/** The external images of a Dockerfile's FROM lines (stage references excluded). */
export function dockerfileImages(text: string): { images: string[]; stages: string[] } {
  const stages: string[] = [];
  const images: string[] = [];
  for (const m of text.matchAll(/^FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?\s*$/gim)) {
    const image = m[1] ?? "";
    if (!stages.includes(image)) images.push(image);
    if (m[2]) stages.push(m[2]);
  }
  return { images, stages };
}

/** The upstream endpoint of each cluster in a generated Envoy config, by cluster name. */
export async function envoyEndpoints(
  path: string,
): Promise<Map<string, { host: string; port: number }>> {
  const doc = parse(await readRepoFile(path)) as {
    static_resources: {
      clusters: {
        name: string;
        load_assignment: {
          endpoints: {
            lb_endpoints: {
              endpoint: { address: { socket_address: { address: string; port_value: number } } };
            }[];
          }[];
        };
      }[];
    };
  };
  const out = new Map<string, { host: string; port: number }>();
  for (const c of doc.static_resources.clusters) {
    const addr = c.load_assignment.endpoints[0]?.lb_endpoints[0]?.endpoint.address.socket_address;
    if (addr) out.set(c.name, { host: addr.address, port: addr.port_value });
  }
  return out;
}

/** Names that hold secrets: they must never be written into a deploy file in k8s. */
export function isSecretVariable(name: string): boolean {
  return /DATABASE_URL|REDIS_URL|SECRET|PASSWORD|TOKEN/.test(name);
}

/**
 * Resolves compose's `${NAME:-default}` and `${NAME-default}` to their defaults and `${NAME}`
 * to "" (as with nothing set in the environment), and `$$` to `$`.
 */
export function composeDefaults(value: string): string {
  return value
    .replace(
      /\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^}]*))?\}/g,
      (_m, fallback?: string) => fallback ?? "",
    )
    .replaceAll("$$", "$");
}

/**
 * What is wrong with `value` for the Guardian setting `name` (one of the rate limit service's
 * included), or undefined when a process reads it as it is: unknown names and malformed
 * values are problems.
 */
export function settingProblem(name: string, value: string): string | undefined {
  const fields = Object.values(configSpecs).flatMap((spec) =>
    Object.values(spec).filter((field) => field.variable === name),
  );
  if (fields.length === 0) return "not a variable Guardian reads";
  for (const field of fields) {
    const read = field.read(value);
    if (!read.ok) return read.problem;
  }
  return undefined;
}
