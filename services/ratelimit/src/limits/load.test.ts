import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { makeTempDir, removeTempDir } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testdata } from "../testing/testdata.js";
import { LimitsConfigError } from "./config.js";
import { loadLimits } from "./load.js";

let dir: string;

beforeAll(async () => {
  dir = await makeTempDir("ratelimit-load");
});

afterAll(async () => {
  await removeTempDir(dir);
});

describe("loadLimits", () => {
  it("reads one file as one domain", async () => {
    const limits = await loadLimits(testdata("envoy-format/values.yaml"));
    expect(limits.map((l) => l.domain)).toEqual(["messaging"]);
  });

  it("reads every .yaml and .yml file of a directory, by name, skipping hidden entries", async () => {
    const limits = await loadLimits(testdata("domains"));
    expect(limits.map((l) => l.domain)).toEqual(["internal", "public"]);
    const k8s = join(dir, "mounted");
    await mkdir(join(k8s, "..2026_11_30_00_00_00.1"), { recursive: true });
    await writeFile(join(k8s, "..2026_11_30_00_00_00.1", "a.yaml"), "domain: x\n");
    await writeFile(join(k8s, "b.yaml"), "domain: b\n");
    expect((await loadLimits(k8s)).map((l) => l.domain)).toEqual(["b"]);
  });

  it("rejects a domain defined by two files, naming both", async () => {
    const twice = join(dir, "twice");
    await mkdir(twice);
    await writeFile(join(twice, "a.yaml"), "domain: same\n");
    await writeFile(join(twice, "b.yml"), "domain: same\n");
    const err = await loadLimits(twice).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitsConfigError);
    expect((err as LimitsConfigError).problems).toEqual([
      `domain: same is already defined in ${join(twice, "a.yaml")}`,
    ]);
  });

  it("rejects a directory without limits files", async () => {
    const empty = join(dir, "empty");
    await mkdir(empty);
    await expect(loadLimits(empty)).rejects.toThrow(/no limits files/);
  });
});
