import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { embeddedV8Flags, prepareStart } from "./preload.js";

const root = fileURLToPath(new URL("../../../..", import.meta.url));
const loader = join(root, "node_modules/tsx/dist/loader.mjs");

describe("prepareStart", () => {
  it("leaves V8 as it is for every command but dev", () => {
    for (const command of ["serve", "migrate", "login", "--help"]) {
      expect(prepareStart(["node", "main.js", command])).toEqual([]);
    }
    expect(prepareStart(["node", "main.js"])).toEqual([]);
  });

  it("runs PGlite on V8's baseline WebAssembly compiler for dev, and PGlite still answers", async () => {
    // In a process of its own: V8's flags are the whole process's.
    const code = `const m = await import(${JSON.stringify(new URL("./preload.ts", import.meta.url).href)});
      const flags = m.prepareStart(["node", "main.js", "dev"]);
      const { PGlite } = await import("@electric-sql/pglite");
      const db = await PGlite.create();
      const { rows } = await db.query("select 1 + 1 as two");
      await db.close();
      console.log(JSON.stringify({ flags, two: rows[0].two }));`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", `file://${loader}`, "--input-type=module", "-e", code],
      { cwd: join(root, "packages/db"), timeout: 60_000 },
    );
    expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toEqual({
      flags: embeddedV8Flags,
      two: 2,
    });
    expect(embeddedV8Flags).toEqual(["--liftoff-only"]);
  }, 90_000);
});
