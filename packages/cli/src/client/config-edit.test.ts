import { chmod, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SchemaService } from "@guardian/api";
import type { RunningGuardian } from "@guardian/testkit";
import { launcher, type Cli } from "../testing/cli-process.js";
import { startSignedInCli, stopCliServer } from "../testing/cli-server.js";

describe("guardian config edit (the real binary, a real server, a scripted editor)", () => {
  let dir: string;
  let dev: RunningGuardian;
  let cli: Cli;
  /** Runs `config edit` with EDITOR set to a shell command that gets the file as $1. */
  const edit = (editor: string) =>
    cli(["config", "edit", "ops", "limits"], { env: { EDITOR: editor, VISUAL: "" } });
  const current = async () => {
    const res = await cli(["config", "get", "ops", "limits", "-o", "json"]);
    expect(res.code, res.stderr).toBe(0);
    return JSON.parse(res.stdout) as { version: string; content: unknown };
  };
  const kept: string[] = [];
  /** The path of the file an edit kept, as its message names it. */
  const keptFile = (stderr: string) => {
    const file = /kept in (\S+\.json)/.exec(stderr)?.[1] ?? "";
    kept.push(file);
    return file;
  };

  beforeAll(async () => {
    ({ dir, dev, cli } = await startSignedInCli("edit"));
    expect((await cli(["project", "create", "ops"])).code).toBe(0);
    const profiles = JSON.parse(await readFile(join(dir, "config/guardian/config.json"), "utf8"));
    const token = profiles.profiles.default.accessToken as string;
    const schemas = createClient(
      SchemaService,
      createConnectTransport({ baseUrl: dev.url, httpVersion: "1.1" }),
    );
    await schemas.createSchema(
      {
        project: "ops",
        name: "limits",
        contentValue: fromJson(ValueSchema, {
          type: "object",
          properties: { maxConnections: { type: "integer", maximum: 1000 } },
        }),
      },
      { headers: { authorization: `Bearer ${token}` } },
    );
    const set = ["config", "set", "ops", "limits", "--file", "-", "--schema", "limits"];
    expect((await cli(set, { input: '{"maxConnections": 100}' })).code).toBe(0);
  }, 90_000);

  afterAll(async () => {
    await stopCliServer({ dir, dev });
    for (const file of kept.filter((f) => dirname(f).includes("guardian-edit-"))) {
      await rm(dirname(file), { recursive: true, force: true });
    }
  });

  it("writes nothing when the editor leaves the content as it was", async () => {
    const before = await current();
    const res = await edit("true");
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe("No change to limits\n");
    expect((await current()).version).toBe(before.version);
  }, 120_000);

  it("writes a valid edit at the version it fetched", async () => {
    const before = await current();
    const res = await cli(["config", "edit", "ops", "limits", "--message", "edited"], {
      env: { EDITOR: "sed -i s/100/150/", VISUAL: "" },
    });
    expect(res.code, res.stderr).toBe(0);
    const after = await current();
    expect(res.stdout).toBe(`Updated limits at version ${after.version}\n`);
    expect(BigInt(after.version)).toBeGreaterThan(BigInt(before.version));
    expect(after.content).toEqual({ maxConnections: 150 });
  }, 120_000);

  it("keeps invalid JSON in a file and exits 2 without a terminal", async () => {
    const before = await current();
    const res = await edit("sed -i s/150/{/");
    expect(res.code).toBe(2);
    const file = keptFile(res.stderr);
    expect(res.stderr).toContain(`${file} is not valid JSON`);
    expect(await readFile(file, "utf8")).toContain('"maxConnections": {');
    expect(await current()).toEqual(before);
  }, 120_000);

  it("reports schema violations by JSON pointer, keeps the edit and exits 1", async () => {
    const before = await current();
    const res = await edit("sed -i s/150/5000/");
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("at /maxConnections: must be <= 1000");
    expect(await readFile(keptFile(res.stderr), "utf8")).toContain("5000");
    expect(await current()).toEqual(before);
  }, 120_000);

  it("on a concurrent write exits 4 with the new version, a diff and the edit kept", async () => {
    // The editor writes the config itself before saving its own change.
    const racer = join(dir, "racer.sh");
    await writeFile(
      racer,
      `#!/bin/sh\necho '{"maxConnections": 200, "burst": 5}' | "${launcher}" config set ops limits --file - >/dev/null || exit 1\nsed -i s/150/175/ "$1"\n`,
    );
    await chmod(racer, 0o755);
    const res = await edit(racer);
    expect(res.code, res.stderr).toBe(4);
    const now = await current();
    expect(now.content).toEqual({ maxConnections: 200, burst: 5 });
    expect(res.stderr).toContain(`It is now at version ${now.version}`);
    expect(res.stderr).toContain("~ /maxConnections: 175");
    expect(res.stderr).toContain("- /burst");
    expect(res.stderr).toContain(`current version: ${now.version}`);
    const file = keptFile(res.stderr);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({ maxConnections: 175 });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  }, 120_000);
});
