import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { builtInTokens, createGuardianClient } from "@guardian/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapPassword, type RunningGuardian } from "@guardian/testkit";
import type { Cli } from "../testing/cli-process.js";
import { startSignedInCli, stopCliServer } from "../testing/cli-server.js";

const limitsV1 = {
  type: "object",
  properties: { max: { type: "integer", maximum: 100 } },
  required: ["max"],
};
const limitsV2 = {
  type: "object",
  properties: { max: { type: "integer", maximum: 10 } },
  required: ["max"],
};

describe("guardian schema (the real binary, a real server)", () => {
  let dir: string;
  let dev: RunningGuardian;
  let cli: Cli;
  const file = (name: string) => join(dir, name);

  beforeAll(async () => {
    ({ dir, dev, cli } = await startSignedInCli("schema"));
    expect((await cli(["project", "create", "shop"])).code).toBe(0);
    await writeFile(file("v1.json"), JSON.stringify(limitsV1));
    await writeFile(file("v2.json"), JSON.stringify(limitsV2));
    await writeFile(file("lint.json"), JSON.stringify({ ...limitsV1, frobnicate: true }));
    await writeFile(file("bad.json"), "{ not json");
    await writeFile(file("doc-ok.json"), JSON.stringify({ max: 50 }));
    await writeFile(file("doc-bad.json"), JSON.stringify({ max: 500 }));
  }, 120_000);

  afterAll(async () => {
    await stopCliServer({ dir, dev });
  });

  it("pushes a new schema, then a new version, and lists and prints them", async () => {
    const created = await cli(["schema", "push", "shop", "limits", "--file", file("v1.json")]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain("Created schema limits in shop: version 1");

    const same = await cli(["schema", "push", "shop", "limits", "--file", file("v1.json")]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain("Unchanged: version 1");

    const linted = await cli(["schema", "push", "shop", "limits", "--file", file("lint.json")]);
    expect(linted.code, linted.stderr).toBe(0);
    expect(linted.stdout).toContain("Added version 2 of schema limits");
    expect(linted.stderr).toMatch(/warning at \/frobnicate: /);

    const list = await cli(["schema", "list", "shop"]);
    expect(list.stdout).toMatch(/^NAME\s+LATEST/);
    expect(list.stdout).toMatch(/limits\s+2\s/);
    const json = JSON.parse((await cli(["schema", "list", "shop", "-o", "json"])).stdout);
    expect(json.schemas).toMatchObject([{ name: "limits", latestVersion: 2 }]);

    const v1 = await cli(["schema", "get", "shop", "limits", "--version", "1"]);
    expect(JSON.parse(v1.stdout)).toEqual(limitsV1);
    const latest = JSON.parse(
      (await cli(["schema", "get", "shop", "limits", "-o", "json"])).stdout,
    );
    expect(latest).toMatchObject({ version: 2, contentValue: { frobnicate: true } });
  }, 120_000);

  it("validates documents with JSON pointers and exits 1 when invalid", async () => {
    await cli(["schema", "push", "shop", "plain", "--file", file("v1.json")]);
    const ok = await cli(["schema", "validate", "shop", "plain", "--file", file("doc-ok.json")]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("Valid against version 1 of plain");
    const bad = await cli(["schema", "validate", "shop", "plain", "--file", file("doc-bad.json")]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/at \/max: .*\(maximum\)/);
    const json = await cli([
      "schema",
      "validate",
      "shop",
      "plain",
      "--file",
      file("doc-bad.json"),
      "-o",
      "json",
    ]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      violations: [{ pointer: "/max", keyword: "maximum" }],
    });
  }, 120_000);

  it("dry-runs a breaking version (exit 0, saying so), and refuses to push it without --force", async () => {
    await cli(["schema", "push", "shop", "quota", "--file", file("v1.json")]);
    // A config that follows the latest version, written through the API as an admin.
    const admin = createGuardianClient({
      baseUrl: dev.url,
      tokenProvider: builtInTokens({
        baseUrl: dev.url,
        username: "admin",
        password: bootstrapPassword(dev.output()),
      }),
    });
    await admin.config.createConfig({
      project: "shop",
      key: "eu/quota",
      schema: "quota",
      content: fromJson(ValueSchema, { max: 50 }),
    });

    const dry = await cli(["schema", "dry-run", "shop", "quota", "--file", file("v2.json")]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("Would add version 2 of quota");
    expect(dry.stdout).toMatch(/BREAKS 1 of 1 config/);
    expect(dry.stdout).toMatch(/config eu\/quota \(version \d+\):\n\s+at \/max: /);
    const safe = await cli(["schema", "dry-run", "shop", "quota", "--file", file("v1.json")]);
    expect(safe.stdout).toContain("Breaks no config (1 checked");

    const refused = await cli(["schema", "push", "shop", "quota", "--file", file("v2.json")]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/FailedPrecondition[\s\S]*config eu\/quota[\s\S]*at \/max: /);
    const unchanged = JSON.parse(
      (await cli(["schema", "get", "shop", "quota", "-o", "json"])).stdout,
    );
    expect(unchanged.version).toBe(1);

    const forced = await cli([
      "schema",
      "push",
      "shop",
      "quota",
      "--file",
      file("v2.json"),
      "--force",
    ]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain("Added version 2 of schema quota");
    expect(forced.stderr).toMatch(/1 config\(s\) no longer validate[\s\S]*eu\/quota/);
  }, 120_000);

  it("sets the format mode, and keeps the latest version's when pushing or dry-running without it", async () => {
    const mode = async () =>
      JSON.parse((await cli(["schema", "get", "shop", "emails", "-o", "json"])).stdout) as {
        version: number;
        formatMode?: string;
      };
    const push = (...more: string[]) =>
      cli(["schema", "push", "shop", "emails", "--file", file("v1.json"), ...more]);
    const created = await push("--format-mode", "annotate");
    expect(created.code, created.stderr).toBe(0);
    expect(await mode()).toMatchObject({ version: 1, formatMode: "FORMAT_MODE_ANNOTATE" });

    // The same document again, mode not given: nothing changes (the mode is not reset).
    const same = await push();
    expect(same.stdout).toContain("Unchanged: version 1");
    const dry = await cli(["schema", "dry-run", "shop", "emails", "--file", file("v1.json")]);
    expect(dry.stdout).toContain("Unchanged: the document equals the latest version");

    const dryAssert = await cli([
      "schema",
      "dry-run",
      "shop",
      "emails",
      "--file",
      file("v1.json"),
      "--format-mode",
      "assert",
    ]);
    expect(dryAssert.stdout).toContain("Would add version 2 of emails");
    const asserted = await push("--format-mode", "assert");
    expect(asserted.stdout).toContain("Added version 2 of schema emails");
    expect(await mode()).toMatchObject({ version: 2, formatMode: "FORMAT_MODE_ASSERT" });

    const bad = await push("--format-mode", "strict");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('must be "assert" or "annotate", got "strict"');
  }, 120_000);

  it("exits 3 for a missing project or schema, 2 for bad input and 5 when denied", async () => {
    expect((await cli(["schema", "list", "no-such-project"])).code).toBe(3);
    expect((await cli(["schema", "get", "shop", "no-such-schema"])).code).toBe(3);
    expect(
      (await cli(["schema", "push", "no-such-project", "x", "--file", file("v1.json")])).code,
    ).toBe(3);
    const notJson = await cli(["schema", "push", "shop", "x", "--file", file("bad.json")]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain("bad.json is not valid JSON");
    expect((await cli(["schema", "push", "shop", "x", "--file", file("missing.json")])).code).toBe(
      2,
    );
    expect((await cli(["schema", "push", "shop", "x"])).code).toBe(2);
    expect((await cli(["schema", "get", "shop", "limits", "--version", "two"])).code).toBe(2);
    const badName = await cli(["schema", "push", "shop", "Bad Name", "--file", file("v1.json")]);
    expect(badName.code).toBe(1);
    expect(badName.stderr).toMatch(/InvalidArgument[\s\S]*field name: /);

    const key = await cli(["apikey", "create", "shop", "--name", "reader"]);
    expect(key.code, key.stderr).toBe(0);
    const env = { GUARDIAN_API_KEY: key.stdout.trim() };
    const denied = await cli(["schema", "push", "shop", "limits", "--file", file("v2.json")], {
      env,
    });
    expect(denied.code).toBe(5);
    expect(denied.stderr).toContain("PermissionDenied");
  }, 120_000);
});
