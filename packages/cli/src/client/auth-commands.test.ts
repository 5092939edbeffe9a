import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapPassword, startDev, stopGuardian, type RunningGuardian } from "@guardian/testkit";
import { createCli, type Cli } from "../testing/cli-process.js";

describe("guardian login, whoami, logout and project (the real binary, a real server)", () => {
  let dir: string;
  let dev: RunningGuardian;
  let cli: Cli;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "guardian-cli-auth-"));
    dev = await startDev(join(dir, "data"));
    cli = createCli(join(dir, "config"));
  }, 60_000);

  afterAll(async () => {
    if (dev) await stopGuardian(dev);
    await rm(dir, { recursive: true, force: true });
  });

  it("signs in with a password from stdin, keeps the session in a 0600 profile, and signs out", async () => {
    const password = bootstrapPassword(dev.output());
    const wrong = await cli(
      ["login", "--url", dev.url, "--username", "admin", "--password-stdin"],
      {
        input: "not-the-password\n",
      },
    );
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toContain("Unauthenticated");

    const login = await cli(
      ["login", "--url", dev.url, "--username", "admin", "--password-stdin"],
      {
        input: `${password}\n`,
      },
    );
    expect(login.code, login.stderr).toBe(0);
    const file = join(dir, "config", "guardian", "config.json");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(file, "utf8"));
    expect(saved.profiles.default).toMatchObject({ url: dev.url });
    expect(saved.profiles.default.refreshToken).toBeTruthy();

    const who = await cli(["whoami", "-o", "json"]);
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ actor: "admin", username: "admin" });

    expect((await cli(["logout"])).code).toBe(0);
    const after = JSON.parse(await readFile(file, "utf8"));
    expect(after.profiles.default).toEqual({ url: dev.url });
    const anonymous = await cli(["project", "list"]);
    expect(anonymous.code, anonymous.stderr).toBe(5);
  }, 120_000);

  it("creates and lists projects, exits 4 on a conflict, 3 when missing and 2 on usage errors", async () => {
    const password = bootstrapPassword(dev.output());
    await cli(["login", "--url", dev.url, "--username", "admin", "--password-stdin"], {
      input: password,
    });
    const created = await cli(["project", "create", "cli-demo"]);
    expect(created.code, created.stderr).toBe(0);
    const again = await cli(["project", "create", "cli-demo"]);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain("AlreadyExists");
    const bad = await cli(["project", "create", "Bad_Name"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/InvalidArgument[\s\S]*field project: /);

    const list = await cli(["project", "list", "-o", "json"]);
    expect(JSON.parse(list.stdout).projects.map((p: { name: string }) => p.name)).toContain(
      "cli-demo",
    );
    const table = await cli(["project", "list"]);
    expect(table.stdout).toMatch(/^NAME\s+DISPLAY NAME/);
    expect(table.stdout).toContain("cli-demo");

    expect((await cli(["project", "delete", "no-such-project", "--yes"])).code).toBe(3);
    expect((await cli(["project", "delete", "cli-demo"])).code).toBe(2);
    expect((await cli(["project", "delete", "cli-demo", "--yes"])).code).toBe(0);
    expect((await cli(["project", "frobnicate"])).code).toBe(2);
    expect((await cli(["project", "create"])).code).toBe(2);
    expect((await cli(["whoami", "--url", "ftp://x"])).code).toBe(2);
  }, 120_000);
});
