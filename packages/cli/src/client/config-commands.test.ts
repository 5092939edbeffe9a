import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "@guardian/api";
import type { RunningGuardian } from "@guardian/testkit";
import { createCli, type Cli } from "../testing/cli-process.js";
import { startSignedInCli, stopCliServer } from "../testing/cli-server.js";

describe("guardian config (the real binary, a real server)", () => {
  let dir: string;
  let dev: RunningGuardian;
  let cli: Cli;
  /** Writes a JSON document to a file of the test folder and returns its path. */
  const doc = async (name: string, value: unknown) => {
    const path = join(dir, name);
    await writeFile(path, JSON.stringify(value));
    return path;
  };
  /** Runs a command that must succeed and returns its stdout. */
  const ok = async (args: string[], input?: string) => {
    const res = await cli(args, { input });
    expect(res.code, `${args.join(" ")}: ${res.stderr}`).toBe(0);
    return res.stdout;
  };
  const json = async (args: string[]) => JSON.parse(await ok([...args, "-o", "json"]));

  beforeAll(async () => {
    ({ dir, dev, cli } = await startSignedInCli("config"));
  }, 90_000);

  afterAll(async () => {
    await stopCliServer({ dir, dev });
  });

  // The README's "Using the CLI" steps, in order, on a fresh server (so at the versions it shows).
  it("sets, reads, refuses a stale version, lists history, diffs and rolls back", async () => {
    await ok(["project", "create", "storefront"]);
    const first = await doc("first.json", { maxConnections: 100 });
    const created = await ok(["config", "set", "storefront", "eu/limits", "--file", first]);
    const v1 = /^Created eu\/limits at version (\d+)\n$/.exec(created)?.[1];
    expect(v1).toBeTruthy();

    const got = await json(["config", "get", "storefront", "eu/limits"]);
    expect(got).toMatchObject({ key: "eu/limits", content: { maxConnections: 100 } });
    expect(got).toMatchObject({ version: v1, schema: "any" });
    expect(await ok(["config", "get", "storefront", "eu/limits"])).toBe(
      '{\n  "maxConnections": 100\n}\n',
    );

    const second = await doc("second.json", { maxConnections: 200, regions: ["eu"] });
    const updated = await json([
      "config",
      "set",
      "storefront",
      "eu/limits",
      "--file",
      second,
      "--expected-version",
      v1!,
      "--message",
      "more connections",
    ]);
    const v2 = updated.version as string;
    expect(BigInt(v2)).toBeGreaterThan(BigInt(v1!));
    expect(updated.content).toEqual({ maxConnections: 200, regions: ["eu"] });

    // A stale expected version: exit 4 with the current version, and nothing is written.
    const third = await doc("third.json", { maxConnections: 300 });
    const stale = await cli([
      "config",
      "set",
      "storefront",
      "eu/limits",
      "--file",
      third,
      "--expected-version",
      v1!,
    ]);
    expect(stale.code).toBe(4);
    expect(stale.stderr).toContain("Aborted");
    expect(stale.stderr).toContain(`current version: ${v2}`);
    const exists = await cli([
      "config",
      "set",
      "storefront",
      "eu/limits",
      "--file",
      third,
      "--expected-version",
      "0",
    ]);
    expect(exists.code).toBe(4);
    expect(exists.stderr).toContain(`current version: ${v2}`);
    expect((await json(["config", "get", "storefront", "eu/limits"])).version).toBe(v2);

    const history = await json(["config", "history", "storefront", "eu/limits"]);
    expect(history.revisions).toMatchObject([
      {
        revision: v2,
        changeType: "CHANGE_TYPE_UPDATE",
        author: "admin",
        message: "more connections",
      },
      { revision: v1, changeType: "CHANGE_TYPE_CREATE", author: "admin" },
    ]);
    const table = await ok(["config", "history", "storefront", "eu/limits", "--limit", "1"]);
    expect(table).toMatch(/^REVISION\s+OPERATION\s+TIME\s+AUTHOR\s+MESSAGE\n/);
    expect(table.trim().split("\n")).toHaveLength(2);
    expect(table).toMatch(new RegExp(`${v2}\\s+update\\s+\\S+\\s+admin\\s+more connections`));

    const diff = await ok(["config", "diff", "storefront", "eu/limits", v1!, v2]);
    expect(diff).toBe(
      `Changes from revision ${v1} to revision ${v2}:\n~ /maxConnections: 200\n+ /regions: ["eu"]\n`,
    );
    expect(await json(["config", "diff", "storefront", "eu/limits", v1!])).toEqual({
      operations: [
        { op: "replace", path: "/maxConnections", value: 200 },
        { op: "add", path: "/regions", value: ["eu"] },
      ],
      fromRevision: v1,
      toRevision: v2,
    });

    expect([v1, v2]).toEqual(["1", "2"]);

    const rolled = await ok([
      "config",
      "rollback",
      "storefront",
      "eu/limits",
      "--to-revision",
      v1!,
      "--message",
      "back",
    ]);
    const v3 = /now at version (\d+)/.exec(rolled)?.[1];
    expect(v3).toBe("3");
    expect(BigInt(v3!)).toBeGreaterThan(BigInt(v2));
    expect(await json(["config", "get", "storefront", "eu/limits"])).toMatchObject({
      version: v3,
      content: { maxConnections: 100 },
    });
    const after = await json(["config", "history", "storefront", "eu/limits"]);
    expect(after.revisions[0]).toMatchObject({
      revision: v3,
      changeType: "CHANGE_TYPE_ROLLBACK",
      rolledBackFrom: v1,
      message: "back",
    });
    expect(await ok(["config", "diff", "storefront", "eu/limits", v1!, v3!])).toBe(
      `No change from revision ${v1} to revision ${v3}\n`,
    );
    const past = await ok(["config", "get", "storefront", "eu/limits", "--revision", v2]);
    expect(JSON.parse(past)).toEqual({ maxConnections: 200, regions: ["eu"] });
  }, 300_000);

  it("reads stdin, filters listings, replays idempotent writes, deletes, and exits 2, 3, 4, 5", async () => {
    await ok(["project", "create", "shop"]);
    // Two first writes at once: both bind to `any`, whichever creates it.
    const [a, b] = await Promise.all([
      cli(["config", "set", "shop", "eu/a", "--file", "-"], { input: '{"n":1}' }),
      cli(["config", "set", "shop", "us/b", "--file", "-", "--label", "team=web"], { input: "[]" }),
    ]);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);

    const all = await json(["config", "list", "shop"]);
    expect(all.configs.map((c: { key: string }) => c.key)).toEqual(["eu/a", "us/b"]);
    expect(all.configs[1]).toMatchObject({ schema: "any", labels: { team: "web" } });
    const labelled = await json(["config", "list", "shop", "--label", "team=web"]);
    expect(labelled.configs.map((c: { key: string }) => c.key)).toEqual(["us/b"]);
    const table = await ok(["config", "list", "shop", "--prefix", "eu/"]);
    expect(table).toMatch(/^KEY\s+VERSION\s+SCHEMA\s+UPDATED\s+UPDATED BY\n/);
    expect(table).toMatch(/\neu\/a\s+\d+\s+any@latest\s+\S+\s+admin\n$/);

    // The same idempotency key and request: the first result again, nothing written.
    const once = ["config", "set", "shop", "eu/c", "--file", "-", "--idempotency-key", "k-1"];
    const c1 = await cli(once, { input: '{"c":1}' });
    const c2 = await cli(once, { input: '{"c":1}' });
    expect([c1.code, c2.code]).toEqual([0, 0]);
    expect(c2.stdout).toBe(c1.stdout);
    expect((await json(["config", "history", "shop", "eu/c"])).revisions).toHaveLength(1);
    const reused = await cli(once, { input: '{"c":2}' });
    expect(reused.code).toBe(4);
    expect(reused.stderr).toContain("idempotency_key");

    // Usage errors name what is wrong: exit 2.
    const missing = await cli(["config", "set", "shop", "eu/a", "--file", join(dir, "nope.json")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(join(dir, "nope.json"));
    const broken = join(dir, "broken.json");
    await writeFile(broken, "{not json");
    const bad = await cli(["config", "set", "shop", "eu/a", "--file", broken]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${broken} is not valid JSON`);
    expect((await cli(["config", "set", "shop", "eu/a"])).code).toBe(2);
    const badVersion = ["config", "set", "shop", "eu/a", "--file", "-", "--expected-version", "x"];
    expect((await cli(badVersion, { input: "{}" })).code).toBe(2);
    expect((await cli(["config", "diff", "shop", "eu/a"])).code).toBe(2);
    expect((await cli(["config", "rollback", "shop", "eu/a"])).code).toBe(2);

    // Not found: exit 3.
    expect((await cli(["config", "get", "shop", "eu/none"])).code).toBe(3);
    const noSchema = await cli(
      ["config", "set", "shop", "eu/d", "--file", "-", "--schema", "nope"],
      {
        input: "{}",
      },
    );
    expect(noSchema.code).toBe(3);
    expect(noSchema.stderr).toContain('schema "nope"');
    expect(
      (await cli(["config", "set", "nowhere", "k", "--file", "-"], { input: "{}" })).code,
    ).toBe(3);

    // Delete: confirmed with --yes without a terminal; a stale version is a conflict.
    expect((await cli(["config", "delete", "shop", "eu/a"])).code).toBe(2);
    const staleDelete = await cli([
      "config",
      "delete",
      "shop",
      "eu/a",
      "--yes",
      "--expected-version",
      "999999",
    ]);
    expect(staleDelete.code).toBe(4);
    expect(await ok(["config", "delete", "shop", "eu/a", "--yes"])).toMatch(
      /^Deleted eu\/a at revision \d+\n$/,
    );
    expect((await cli(["config", "get", "shop", "eu/a"])).code).toBe(3);
    const gone = await json(["config", "history", "shop", "eu/a"]);
    expect(gone.revisions.map((r: { changeType: string }) => r.changeType)).toEqual([
      "CHANGE_TYPE_DELETE",
      "CHANGE_TYPE_CREATE",
    ]);

    // Signed in, but without a role on the project: exit 5.
    const profiles = JSON.parse(await readFile(join(dir, "config/guardian/config.json"), "utf8"));
    const auth = createClient(
      AuthService,
      createConnectTransport({ baseUrl: dev.url, httpVersion: "1.1" }),
    );
    const password = "outsider-password-1";
    await auth.createUser(
      { username: "outsider", password },
      { headers: { authorization: `Bearer ${profiles.profiles.default.accessToken}` } },
    );
    const outsider = createCli(join(dir, "outsider"));
    const login = ["login", "--url", dev.url, "--username", "outsider", "--password-stdin"];
    expect((await outsider(login, { input: password })).code).toBe(0);
    const denied = await outsider(["config", "list", "shop"]);
    expect(denied.code, denied.stderr).toBe(5);
    expect(denied.stderr).toContain("PermissionDenied");
  }, 300_000);
});
