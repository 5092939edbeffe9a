import { readFile, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { makeTempDir } from "@guardian/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { generateRlsCode, rlsGenDir } from "./rls-codegen.js";

async function files(dir: string): Promise<Map<string, string>> {
  const names = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith(".ts")).sort();
  return new Map(
    await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n), "utf8")] as const)),
  );
}

let out: string | undefined;

afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

describe("services/ratelimit/src/gen", () => {
  it("is exactly what pnpm ratelimit:generate writes", async () => {
    out = await makeTempDir("rls-gen");
    await generateRlsCode(join(out, "gen"));
    const want = await files(join(out, "gen"));
    const have = await files(rlsGenDir);
    expect([...have.keys()]).toEqual([...want.keys()]);
    for (const [name, text] of want) expect(have.get(name), name).toBe(text);
  });
});
