import { existsSync } from "node:fs";
import { mkdir, readFile, readdir } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { createPool, migrationsDir } from "@guardian/db";
import {
  createTemplateDatabase,
  dropDatabase,
  freePort,
  makeTempDir,
  randomDatabaseName,
  removeTempDir,
  runProcess,
  spawnProcess,
  waitFor,
  type ManagedProcess,
} from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { repoRoot } from "./checks.js";

// What the images ship, made without Docker by the script the Dockerfile runs
// (deploy/docker/assemble.sh), then run from those folders alone: a folder is /app of its
// image. CPU-heavy (pnpm deploy, esbuild, Vite), hence a file of its own.

let dir: string;
const tree = (image: string) => join(dir, image);
/** Only what a container has: no NODE_PATH, nothing of the checkout. */
const bareEnv = (env: Record<string, string> = {}) => ({ PATH: process.env["PATH"], ...env });

beforeAll(async () => {
  dir = await makeTempDir("images");
  for (const image of ["guardian", "ratelimit"]) {
    await runProcess({
      name: `assemble ${image}`,
      command: "bash",
      args: [join(repoRoot, "deploy/docker/assemble.sh"), image, tree(image)],
      logFile: join(dir, `assemble-${image}.log`),
      env: process.env,
    });
  }
}, 240_000);

afterAll(async () => {
  await removeTempDir(dir);
});

/** The packages in a tree's node_modules (pnpm's virtual store), by name. */
async function packagesIn(root: string): Promise<string[]> {
  const entries = await readdir(join(root, "node_modules/.pnpm"), { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && e.name !== "node_modules")
    .map((e) => e.name.replace(/^(@?[^@]+)@.*$/, "$1").replace("+", "/"));
}

/** Every file under `root`, node_modules aside. */
async function ownFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .filter((f) => !f.startsWith("node_modules"));
}

/** A module the bundle imports or requires from a node_modules folder. */
const imports = /(?:from |import\(|require\()"((?:\.\.\/)+node_modules\/[^"]+)"/g;

async function stopped(proc: ManagedProcess): Promise<number | null> {
  return (await proc.stop({ timeoutMs: 20_000 })).code;
}

describe("the assembled images", () => {
  it("ship production dependencies only: no build or test tools, no TypeScript sources", async () => {
    const tools = /^(vitest|vite|typescript|tsx|playwright-core|esbuild|@vitest\/.*|@esbuild\/.*)$/;
    for (const image of ["guardian", "ratelimit"]) {
      const names = await packagesIn(tree(image));
      expect(names.length, image).toBeGreaterThan(10);
      expect(
        names.filter((n) => tools.test(n) || n.startsWith("@guardian/")),
        image,
      ).toEqual([]);
      expect(
        (await ownFiles(tree(image))).filter((f) => f.endsWith(".ts")),
        image,
      ).toEqual([]);
    }
    expect(await ownFiles(tree("ratelimit"))).toEqual(
      expect.arrayContaining(["services/ratelimit/dist/main.js", "package.json"]),
    );
  });

  it("import every package from inside their own folder", async () => {
    for (const [image, bundles] of [
      ["guardian", ["packages/cli/dist/main.js", "packages/cli/dist/worker-entry.js"]],
      ["ratelimit", ["services/ratelimit/dist/main.js"]],
    ] as const) {
      let found = 0;
      for (const bundle of bundles) {
        const text = await readFile(join(tree(image), bundle), "utf8");
        for (const [, path] of text.matchAll(imports)) {
          const file = resolve(dirname(join(tree(image), bundle)), path!);
          expect(file.startsWith(tree(image) + "/"), `${bundle}: ${path}`).toBe(true);
          expect(existsSync(file), `${bundle}: ${path}`).toBe(true);
          found += 1;
        }
      }
      expect(found, image).toBeGreaterThan(0);
    }
  });

  it("are not built when a package the program imports is missing from the folder", async () => {
    const empty = join(dir, "empty");
    await mkdir(join(empty, "node_modules"), { recursive: true });
    const log = join(dir, "build-empty.log");
    await expect(
      runProcess({
        name: "build into a folder without packages",
        command: "node",
        args: [join(repoRoot, "scripts/build.mjs"), "ratelimit", "--into", empty],
        cwd: repoRoot,
        logFile: log,
        env: process.env,
      }),
    ).rejects.toThrow(/is missing from the production dependencies/);
    expect(existsSync(join(empty, "services/ratelimit/dist/main.js"))).toBe(false);
  });

  it("run the guardian CLI from its folder alone", async () => {
    const log = join(dir, "help.log");
    await runProcess({
      name: "guardian --help",
      command: "node",
      args: ["packages/cli/dist/main.js", "--help"],
      cwd: tree("guardian"),
      logFile: log,
      env: bareEnv(),
    });
    const help = await readFile(log, "utf8");
    for (const command of ["serve", "migrate", "dev"])
      expect(help).toMatch(new RegExp(`\\b${command}\\b`));
  });

  it("migrate an empty database with the migrations the guardian image ships", async () => {
    const { adminUrl } = inject("postgres");
    const name = randomDatabaseName();
    let applied = 0;
    try {
      await createTemplateDatabase(adminUrl, name, async (url) => {
        await runProcess({
          name: "guardian migrate",
          command: "node",
          args: ["packages/cli/dist/main.js", "migrate"],
          cwd: tree("guardian"),
          logFile: join(dir, "migrate.log"),
          env: bareEnv({ DATABASE_URL: url }),
        });
        const pool = createPool({ url, max: 1 });
        try {
          applied = Number((await pool.query("SELECT count(*) AS n FROM pgmigrations")).rows[0].n);
        } finally {
          await pool.end();
        }
      });
    } finally {
      await dropDatabase(adminUrl, name);
    }
    const shipped = await readdir(join(tree("guardian"), "migrations"));
    expect(shipped.sort()).toEqual((await readdir(migrationsDir)).sort());
    expect(applied).toBe(shipped.length);
  }, 120_000);

  it("serve the web console the guardian image ships", async () => {
    const port = await freePort();
    const proc = spawnProcess({
      name: "guardian serve console",
      command: "node",
      args: ["packages/cli/dist/main.js", "serve", "console"],
      cwd: tree("guardian"),
      logFile: join(dir, "console.log"),
      env: bareEnv({ GUARDIAN_PORT: String(port), GUARDIAN_LOG_FORMAT: "json" }),
    });
    try {
      const page = await waitFor(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/`);
          return res.ok ? res.text() : undefined;
        },
        { what: "the console's page", timeoutMs: 60_000, details: () => proc.logTail() },
      );
      expect(page).toMatch(/<html/i);
    } finally {
      expect(await stopped(proc)).toBe(0);
    }
  }, 90_000);

  it("start the rate limit service from its folder alone, answering /healthz", async () => {
    const port = await freePort();
    const proc = spawnProcess({
      name: "guardian-ratelimit",
      command: "node",
      args: ["services/ratelimit/dist/main.js"],
      cwd: tree("ratelimit"),
      logFile: join(dir, "ratelimit.log"),
      env: bareEnv({
        GUARDIAN_RATELIMIT_PORT: String(port),
        REDIS_URL: inject("redis").url,
        GUARDIAN_RATELIMIT_CONFIG: join(repoRoot, "deploy/ratelimit/limits.yaml"),
        GUARDIAN_RATELIMIT_KEY_PREFIX: `images-${port}:`,
      }),
    });
    try {
      const health = await waitFor(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`);
          return res.ok ? res.status : undefined;
        },
        {
          what: "the rate limit service's /healthz",
          timeoutMs: 60_000,
          details: () => proc.logTail(),
        },
      );
      expect(health).toBe(200);
    } finally {
      expect(await stopped(proc)).toBe(0);
    }
  }, 90_000);
});
