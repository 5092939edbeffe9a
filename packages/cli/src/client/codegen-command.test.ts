import { execFile } from "node:child_process";
import { readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGuardian } from "@guardian/testkit";
import type { Cli } from "../testing/cli-process.js";
import { startSignedInCli, stopCliServer } from "../testing/cli-server.js";

const root = fileURLToPath(new URL("../../../..", import.meta.url));
const tsc = join(root, "node_modules/typescript/bin/tsc");

const schemas: Record<string, unknown> = {
  limits: {
    title: "Some Title",
    type: "object",
    properties: {
      max: { type: "integer", maximum: 100 },
      mode: { enum: ["fast", "safe"] },
      tags: { type: "array", items: { type: "string" } },
    },
    required: ["max"],
    additionalProperties: false,
  },
  "eu.db-pool": {
    $schema: "http://json-schema.org/draft-07/schema#",
    type: "object",
    definitions: { size: { type: "integer", minimum: 1 } },
    properties: { min: { $ref: "#/definitions/size" }, max: { $ref: "#/definitions/size" } },
  },
  anything: true,
};

describe("guardian codegen (the real binary, a real server)", () => {
  let dir: string;
  let dev: RunningGuardian;
  let cli: Cli;

  beforeAll(async () => {
    ({ dir, dev, cli } = await startSignedInCli("codegen"));
    expect((await cli(["project", "create", "types"])).code).toBe(0);
    for (const [name, doc] of Object.entries(schemas)) {
      await writeFile(join(dir, `${name}.json`), JSON.stringify(doc));
      const pushed = await cli([
        "schema",
        "push",
        "types",
        name,
        "--file",
        join(dir, `${name}.json`),
      ]);
      expect(pushed.code, pushed.stderr).toBe(0);
    }
  }, 120_000);

  afterAll(async () => {
    await stopCliServer({ dir, dev });
  });

  it("writes one typed module per schema and an index that typecheck strictly, the same on every run", async () => {
    const out = join(dir, "gen");
    const first = await cli(["codegen", "--project", "types", "--out", out]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain("4 file(s)");
    expect((await readdir(out)).sort()).toEqual([
      "anything.ts",
      "eu.db-pool.ts",
      "index.ts",
      "limits.ts",
    ]);
    const limits = await readFile(join(out, "limits.ts"), "utf8");
    expect(limits).toContain("export interface Limits {");
    expect(limits).toMatch(/max: number;/);
    expect(limits).toMatch(/mode\?: "fast" \| "safe";/);
    expect(limits).not.toContain("SomeTitle");
    expect(await readFile(join(out, "eu.db-pool.ts"), "utf8")).toContain(
      "export interface EuDbPool",
    );
    expect(await readFile(join(out, "anything.ts"), "utf8")).toContain(
      "export type Anything = unknown;",
    );
    expect(await readFile(join(out, "index.ts"), "utf8")).toContain(
      'export type { EuDbPool } from "./eu.db-pool.js";',
    );

    // A consumer of the generated types, checked with tsc --strict.
    await writeFile(
      join(dir, "use.ts"),
      [
        'import type { Anything, EuDbPool, Limits } from "./gen/index.js";',
        'export const ok: Limits = { max: 1, mode: "safe", tags: ["a"] };',
        "export const pool: EuDbPool = { min: 1 };",
        "export const any: Anything = 3;",
        "// @ts-expect-error max is required",
        "export const missing: Limits = {};",
        "// @ts-expect-error no other properties",
        "export const extra: Limits = { max: 1, other: true };",
        "",
      ].join("\n"),
    );
    const files = [join(dir, "use.ts"), ...(await readdir(out)).map((f) => join(out, f))];
    const checked = await promisify(execFile)(process.execPath, [
      tsc,
      "--noEmit",
      "--strict",
      ...files,
    ]).catch((err: { stdout: string }) => ({ stdout: err.stdout, failed: true }));
    expect(checked).not.toHaveProperty("failed");

    const before = await stat(join(out, "limits.ts"));
    const again = await cli(["codegen", "--project", "types", "--out", out, "-o", "json"]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({
      files: ["anything.ts", "eu.db-pool.ts", "limits.ts", "index.ts"],
      written: [],
    });
    expect((await stat(join(out, "limits.ts"))).mtimeMs).toBe(before.mtimeMs);
    expect(await readFile(join(out, "limits.ts"), "utf8")).toBe(limits);
  }, 120_000);

  it("exits 3 for a missing project, 2 without --out and 5 without credentials", async () => {
    expect(
      (await cli(["codegen", "--project", "nope-project", "--out", join(dir, "x")])).code,
    ).toBe(3);
    expect((await cli(["codegen", "--project", "types"])).code).toBe(2);
    const anonymous = await cli(["codegen", "--project", "types", "--out", join(dir, "y")], {
      env: { GUARDIAN_TOKEN: "not-a-token" },
    });
    expect(anonymous.code).toBe(5);
  }, 120_000);
});
