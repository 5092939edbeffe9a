import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor, type RunningGuardian } from "@guardian/testkit";
import { launcher, type Cli } from "../testing/cli-process.js";
import { startSignedInCli, stopCliServer } from "../testing/cli-server.js";
import { createJsonCaller } from "../testing/json-caller.js";

describe("guardian config watch (the real binary, a real server)", () => {
  let dir: string;
  let dev: RunningGuardian;
  let cli: Cli;
  const api = createJsonCaller(() => dev.url);

  beforeAll(async () => {
    let password: string;
    ({ dir, dev, cli, password } = await startSignedInCli("watch"));
    api.token = (
      await api.call("guardian.auth.v1.AuthService/Login", { username: "admin", password })
    ).json.tokens.accessToken;
    await api.call("guardian.config.v1.ConfigService/CreateProject", { project: "watched" });
    await api.call("guardian.schema.v1.SchemaService/CreateSchema", {
      project: "watched",
      name: "open",
      content: { type: "object" },
    });
  }, 60_000);

  afterAll(async () => {
    await stopCliServer({ dir, dev });
  });

  it("prints each change of a prefix once, in order, as JSON lines, and exits 0 on Ctrl-C", async () => {
    const write = (key: string, n: number) =>
      api.call("guardian.config.v1.ConfigService/CreateConfig", {
        project: "watched",
        key,
        schema: "open",
        content: { n },
      });
    expect((await write("eu/before", 0)).status).toBe(200);
    const child = spawn(launcher, ["config", "watch", "watched", "--prefix", "eu/", "-o", "json"], {
      env: { ...process.env, XDG_CONFIG_HOME: join(dir, "config") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: Record<string, string>[] = [];
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    createInterface({ input: child.stdout }).on("line", (l) => lines.push(JSON.parse(l)));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      await waitFor(async () => (stderr.includes("watching 1 config(s)") ? true : undefined), {
        what: "the watch to start",
        timeoutMs: 60_000,
        details: () => stderr,
      });
      expect((await write("eu/a", 1)).status).toBe(200);
      expect((await write("us/skipped", 2)).status).toBe(200);
      const updated = await api.call("guardian.config.v1.ConfigService/UpdateConfig", {
        project: "watched",
        key: "eu/a",
        content: { n: 3 },
      });
      expect(updated.status).toBe(200);
      expect(
        (
          await api.call("guardian.config.v1.ConfigService/DeleteConfig", {
            project: "watched",
            key: "eu/before",
          })
        ).status,
      ).toBe(200);
      await waitFor(async () => (lines.length >= 3 ? true : undefined), {
        what: "three changes",
        timeoutMs: 30_000,
        details: () => `${JSON.stringify(lines)}\n${stderr}`,
      });
      expect(lines.map((l) => [l.type, l.key])).toEqual([
        ["created", "eu/a"],
        ["updated", "eu/a"],
        ["deleted", "eu/before"],
      ]);
      expect(lines[1]).toMatchObject({ content: { n: 3 }, version: updated.json.config.version });
      const revisions = lines.map((l) => BigInt(l.revision!));
      expect([...revisions].sort((a, b) => (a < b ? -1 : 1))).toEqual(revisions);
    } finally {
      child.kill("SIGINT");
    }
    expect(await exited, stderr).toBe(0);
  }, 120_000);

  it("exits 3 for a project that does not exist, and 2 for a key with --prefix", async () => {
    expect((await cli(["config", "watch", "no-such-project"])).code).toBe(3);
    expect((await cli(["config", "watch", "watched", "k", "--prefix", "p"])).code).toBe(2);
  }, 60_000);
});
