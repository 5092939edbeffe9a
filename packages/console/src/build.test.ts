import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeTempDir, removeTempDir } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureConsoleBuilt } from "./build.js";

/** A small application with the console's layout, so that each build takes a moment. */
function writeApp(web: string, message: string): void {
  mkdirSync(join(web, "src"), { recursive: true });
  writeFileSync(join(web, "package.json"), '{ "type": "module" }\n');
  writeFileSync(
    join(web, "index.html"),
    '<!doctype html><div id="root"></div><script type="module" src="/src/main.ts"></script>',
  );
  writeFileSync(join(web, "vite.config.ts"), "export default { logLevel: 'warn' };\n");
  writeFileSync(join(web, "src", "main.ts"), `document.title = ${JSON.stringify(message)};\n`);
}

describe("ensureConsoleBuilt", () => {
  let root: string;
  let web: string;
  let dist: string;
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  const builds = () => lines.filter((l) => l.startsWith("building the web console")).length;
  const bundle = () => {
    const js = readdirSync(join(dist, "assets")).find((f) => f.endsWith(".js"));
    return readFileSync(join(dist, "assets", js!), "utf8");
  };

  beforeAll(async () => {
    root = await makeTempDir("guardian-console-build-");
    web = join(root, "web");
    dist = join(root, "dist");
    writeApp(web, "first");
  });
  afterAll(async () => {
    await removeTempDir(root);
  });

  it("builds once when two callers ask at the same time", async () => {
    const [a, b] = await Promise.all([
      ensureConsoleBuilt({ web, dist, log }),
      ensureConsoleBuilt({ web, dist, log }),
    ]);
    expect([a, b]).toEqual([dist, dist]);
    expect(builds()).toBe(1);
    expect(lines).toContainEqual(expect.stringMatching(/^built the web console in \d+\.\d s$/));
    expect(existsSync(join(dist, "index.html"))).toBe(true);
    expect(bundle()).toContain("first");
    expect(existsSync(`${dist}.build-lock`)).toBe(false);
  });

  it("reuses the build while the sources are unchanged", async () => {
    await ensureConsoleBuilt({ web, dist, log });
    expect(builds()).toBe(1);
  });

  it("builds again when a source changed", async () => {
    writeFileSync(join(web, "src", "main.ts"), 'document.title = "second";\n');
    await ensureConsoleBuilt({ web, dist, log });
    expect(builds()).toBe(2);
    expect(bundle()).toContain("second");
    await ensureConsoleBuilt({ web, dist, log });
    expect(builds()).toBe(2);
  });

  it("builds again when a source was added", async () => {
    writeFileSync(join(web, "src", "extra.ts"), "export const extra = 1;\n");
    await ensureConsoleBuilt({ web, dist, log });
    expect(builds()).toBe(3);
  });
});
