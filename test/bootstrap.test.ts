import { execFileSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

// scripts/lib/bootstrap.sh, which ./guardian and scripts/test source before anything else:
// what it runs on every command, and what it runs when the dependencies are out of date.

const root = fileURLToPath(new URL("..", import.meta.url));

/** A checkout holding only the bootstrap script and a lockfile, with a pnpm that logs. */
function sandbox(): { dir: string; bin: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), "guardian-bootstrap-"));
  mkdirSync(join(dir, "scripts/lib"), { recursive: true });
  cpSync(join(root, "scripts/lib/bootstrap.sh"), join(dir, "scripts/lib/bootstrap.sh"));
  writeFileSync(join(dir, "pnpm-lock.yaml"), "lockfileVersion: '9.0'\n");
  const bin = join(dir, "bin");
  const log = join(dir, "pnpm.log");
  mkdirSync(bin);
  writeFileSync(
    join(bin, "pnpm"),
    `#!/usr/bin/env bash\necho "$*" >> ${JSON.stringify(log)}\n` +
      `if [ "$1" = "--version" ]; then echo 12.21.0; fi\n` +
      `if [ "$1" = "install" ]; then mkdir -p node_modules; fi\n`,
  );
  chmodSync(join(bin, "pnpm"), 0o755);
  return { dir, bin, log };
}

function bootstrap(dir: string, bin: string): string {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`,
  };
  delete env["PNPM"];
  return execFileSync("bash", ["-c", 'source scripts/lib/bootstrap.sh && echo "ready $PNPM"'], {
    cwd: dir,
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

describe("scripts/lib/bootstrap.sh", () => {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("installs the dependencies with pnpm when the lockfile changed, then runs no pnpm at all", () => {
    const { dir, bin, log } = sandbox();
    made.push(dir);
    expect(bootstrap(dir, bin)).toBe(`ready ${join(bin, "pnpm")}\n`);
    expect(readFileSync(log, "utf8")).toBe(
      "--version\ninstall --frozen-lockfile --reporter=append-only\n",
    );
    expect(readFileSync(join(dir, "node_modules/.guardian-lock-stamp"), "utf8")).toBe(
      readFileSync(join(dir, "pnpm-lock.yaml"), "utf8"),
    );

    // Up to date: no pnpm is asked anything (each ask cost every command 40-50 ms).
    rmSync(log);
    expect(bootstrap(dir, bin)).toBe("ready \n");
    expect(existsSync(log)).toBe(false);

    writeFileSync(join(dir, "pnpm-lock.yaml"), "lockfileVersion: '9.0'\n# changed\n");
    bootstrap(dir, bin);
    expect(readFileSync(log, "utf8")).toContain("install --frozen-lockfile");
  });
});
