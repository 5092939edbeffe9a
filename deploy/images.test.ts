import { beforeAll, describe, expect, it } from "vitest";
import { readRepoFile } from "./checks.js";
import { parseComposeText } from "./compose-spec.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- compose files are free-form YAML */
let dockerfile: string;
let ignore: string;
let services: Record<string, any>;

beforeAll(async () => {
  dockerfile = await readRepoFile("deploy/docker/Dockerfile");
  ignore = await readRepoFile("deploy/docker/Dockerfile.dockerignore");
  services = parseComposeText(await readRepoFile("docker-compose.yml"))["services"] as Record<
    string,
    any
  >;
});

/** Each image: its program's entry, relative to /app (what deploy/docker/assemble.sh builds). */
const images = {
  guardian: "packages/cli/dist/main.js",
  ratelimit: "services/ratelimit/dist/main.js",
} as const;

/** The instructions of one stage of the Dockerfile, without comments and continuations. */
function stage(name: string): string[] {
  const lines = dockerfile.replace(/\\\n\s*/g, " ").split("\n");
  const start = lines.findIndex((l) => new RegExp(`^FROM \\S+ AS ${name}$`).test(l));
  expect(start, `stage ${name}`).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && l.startsWith("FROM "));
  return lines.slice(start, end === -1 ? undefined : end).filter((l) => /^[A-Z]/.test(l));
}

/**
 * Tells whether the build context leaves `path` out, as Docker reads a .dockerignore: the last
 * pattern that matches the path or a folder above it decides, `!` patterns take it back in.
 */
function ignored(path: string): boolean {
  let out = false;
  for (const line of ignore.split("\n")) {
    const raw = line.trim();
    if (raw === "" || raw.startsWith("#")) continue;
    const keep = raw.startsWith("!");
    const pattern = keep ? raw.slice(1) : raw;
    const source = pattern
      .split(/(\*\*\/|\*\*|\*|\?)/)
      .map((part) =>
        part === "**/"
          ? "(?:.*/)?"
          : part === "**"
            ? ".*"
            : part === "*"
              ? "[^/]*"
              : part === "?"
                ? "[^/]"
                : part.replace(/[.+^${}()|[\]\\]/g, "\\$&"),
      )
      .join("");
    if (new RegExp(`^${source}(?:/.*)?$`).test(path)) out = !keep;
  }
  return out;
}

describe("the images", () => {
  it("run one node process of compiled JavaScript each, as user node, with no tsx", () => {
    for (const [name, entry] of Object.entries(images)) {
      const lines = stage(name);
      expect(lines, name).toContain(`ENTRYPOINT ["node", "${entry}"]`);
      expect(lines, name).toContain(`COPY --from=build /out/${name} /app`);
      expect(lines, name).toContain("USER node");
      expect(
        lines.filter((l) => /^(COPY|ADD|RUN) /.test(l)),
        name,
      ).toEqual([`COPY --from=build /out/${name} /app`]);
    }
    const instructions = dockerfile.split("\n").filter((l) => !l.startsWith("#"));
    expect(instructions.join("\n")).not.toMatch(/\btsx\b/);
  });

  it("assemble what they ship with deploy/docker/assemble.sh, which the image test runs too", async () => {
    const build = stage("build").join("\n");
    for (const name of Object.keys(images)) {
      expect(build).toContain(`deploy/docker/assemble.sh ${name} /out/${name}`);
    }
    const assemble = await readRepoFile("deploy/docker/assemble.sh");
    expect(assemble).toContain("deploy --prod --offline");
    expect(assemble).toContain('node scripts/build.mjs "$target" --into "$out"');
  });

  it("serve the web console from where the guardian image has it", async () => {
    const dir = "/app/packages/console/dist";
    expect(stage("guardian").join("\n")).toContain(`GUARDIAN_CONSOLE_DIR=${dir}`);
    expect(services["console"]?.environment?.GUARDIAN_CONSOLE_DIR).toBe(dir);
    expect(await readRepoFile("deploy/docker/assemble.sh")).toContain(
      '--outDir "$out/packages/console/dist"',
    );
  });

  it("send the build every file assemble.sh reads, and no build output or dependencies", () => {
    for (const path of [
      "deploy/docker/assemble.sh",
      "deploy/ratelimit/limits.yaml",
      "scripts/build.mjs",
      "scripts/lib/build.mjs",
      "scripts/lib/build-bundle.mjs",
      "migrations/0001_initial.sql",
      "packages/cli/src/main.ts",
      "packages/console/web/index.html",
      "services/ratelimit/src/main.ts",
      "pnpm-lock.yaml",
      "pnpm-workspace.yaml",
      "tsconfig.json",
    ]) {
      expect(ignored(path), path).toBe(false);
    }
    for (const path of [
      "node_modules/x/index.js",
      "packages/cli/node_modules/x",
      "packages/cli/dist/main.js",
      "packages/console/dist/index.html",
      "deploy/k8s/store.yaml",
      "scripts/test",
      "services/store/src/routes.test.ts",
      ".git/HEAD",
    ]) {
      expect(ignored(path), path).toBe(true);
    }
  });
});
