import { join } from "node:path";
import { builtInTokens, createGuardianClient } from "@guardian/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGuardian } from "@guardian/testkit";
import { createCli, type Cli } from "../testing/cli-process.js";
import { startSignedInCli, stopCliServer } from "../testing/cli-server.js";
import type { Clients } from "./session.js";

const userPassword = "a-long-enough-password";

describe("guardian apikey, role, audit and cluster (the real binary, a real server)", () => {
  let dir: string;
  let dev: RunningGuardian;
  let cli: Cli;
  let admin: Clients;
  /** Runs the CLI as the local user `ada`, who holds no global role. */
  let asAda: Cli;

  beforeAll(async () => {
    let password: string;
    ({ dir, dev, cli, password } = await startSignedInCli("admin"));
    admin = createGuardianClient({
      baseUrl: dev.url,
      tokenProvider: builtInTokens({ baseUrl: dev.url, username: "admin", password: password }),
    });
    await admin.auth.createUser({ username: "ada", password: userPassword });
    const ada = createCli(join(dir, "config-ada"));
    const adaLogin = await ada(
      ["login", "--url", dev.url, "--username", "ada", "--password-stdin"],
      { input: userPassword },
    );
    expect(adaLogin.code, adaLogin.stderr).toBe(0);
    asAda = ada;
    expect((await cli(["project", "create", "ops"])).code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await stopCliServer({ dir, dev });
  });

  it("creates an API key whose secret is alone on stdout, lists, rotates and revokes it", async () => {
    const created = await cli([
      "apikey",
      "create",
      "ops",
      "--name",
      "deployer",
      "--scope",
      "read-write",
      "--key-prefix",
      "eu",
      "--expires-in",
      "30d",
    ]);
    expect(created.code, created.stderr).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^gdn_ak_\w+_[\w-]{43}$/);
    expect(created.stdout).toBe(`${secret}\n`);
    const id = /Created API key (ak_\w+)/.exec(created.stderr)![1]!;
    const who = await cli(["whoami", "-o", "json"], { env: { GUARDIAN_API_KEY: secret } });
    expect(JSON.parse(who.stdout)).toMatchObject({ actor: `apikey:${id}` });

    const list = await cli(["apikey", "list", "ops"]);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+SCOPE/);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+deployer\\s+read-write\\s+eu\\s+live`));
    expect(list.stdout).not.toContain(secret);
    const json = JSON.parse((await cli(["apikey", "list", "ops", "-o", "json"])).stdout);
    expect(json.apiKeys).toMatchObject([
      { id, name: "deployer", scope: "API_KEY_SCOPE_READ_WRITE", keyPrefix: "eu" },
    ]);
    expect(json.apiKeys[0].expireTime).toBeTruthy();

    const rotated = await cli([
      "apikey",
      "rotate",
      "ops",
      id,
      "--grace-period",
      "1h",
      "-o",
      "json",
    ]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const { secret: next, apiKey } = JSON.parse(rotated.stdout);
    expect(next).not.toBe(secret);
    expect(apiKey.previousSecretExpireTime).toBeTruthy();
    expect((await cli(["whoami"], { env: { GUARDIAN_API_KEY: next } })).code).toBe(0);

    const revoked = await cli(["apikey", "revoke", "ops", id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    for (const s of [secret, next]) {
      expect((await cli(["whoami"], { env: { GUARDIAN_API_KEY: s } })).code).toBe(5);
    }
    expect((await cli(["apikey", "list", "ops"])).stdout).not.toContain(id);
    expect((await cli(["apikey", "list", "ops", "--all"])).stdout).toMatch(
      new RegExp(`${id}.*revoked`),
    );
  }, 120_000);

  it("exits 2, 3, 4 and 5 for bad input, missing keys, a taken name and a caller who is not admin", async () => {
    expect((await cli(["apikey", "create", "ops", "--name", "x", "--scope", "write"])).code).toBe(
      2,
    );
    expect(
      (await cli(["apikey", "create", "ops", "--name", "x", "--expires-in", "soon"])).code,
    ).toBe(2);
    expect((await cli(["apikey", "create", "ops"])).code).toBe(2);
    expect((await cli(["apikey", "create", "nope-project", "--name", "x"])).code).toBe(3);
    expect((await cli(["apikey", "revoke", "ops", "ak_0000000000"])).code).toBe(3);
    expect((await cli(["apikey", "rotate", "ops", "ak_0000000000"])).code).toBe(3);
    expect((await cli(["apikey", "create", "ops", "--name", "twice"])).code).toBe(0);
    const twice = await cli(["apikey", "create", "ops", "--name", "twice"]);
    expect(twice.code).toBe(4);
    expect(twice.stdout).toBe("");
    const denied = await asAda(["apikey", "create", "ops", "--name", "mine"]);
    expect(denied.code).toBe(5);
    expect(denied.stderr).toContain("PermissionDenied");
  }, 120_000);

  it("grants, lists and revokes roles, case-insensitively by name", async () => {
    expect((await asAda(["role", "list", "ops"])).code).toBe(5);
    const grant = await cli(["role", "grant", "ops", "ada", "Viewer"]);
    expect(grant.code, grant.stderr).toBe(0);
    expect(grant.stdout).toContain("Granted viewer on ops to ada");
    // Ada reads now, but managing roles needs admin.
    const list = await asAda(["role", "list", "ops"]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/ada\s+viewer\s/);
    expect((await asAda(["role", "grant", "ops", "ada", "admin"])).code).toBe(5);

    const json = await cli(["role", "grant", "ops", "ada", "ROLE_EDITOR", "-o", "json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      project: "ops",
      username: "ada",
      role: "ROLE_EDITOR",
    });
    const bindings = JSON.parse((await cli(["role", "list", "ops", "-o", "json"])).stdout).bindings;
    // The project's creator is its admin.
    expect(bindings).toEqual([
      expect.objectContaining({ username: "ada", role: "ROLE_EDITOR" }),
      expect.objectContaining({ username: "admin", role: "ROLE_ADMIN" }),
    ]);

    const wrong = await cli(["role", "revoke", "ops", "ada", "viewer"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("ada holds editor on ops, not viewer; nothing was revoked");
    expect((await cli(["role", "revoke", "ops", "ada", "editor"])).code).toBe(0);
    expect((await cli(["role", "revoke", "ops", "ada"])).code).toBe(3);
    expect((await cli(["role", "grant", "ops", "ada", "owner"])).code).toBe(2);
    expect((await cli(["role", "grant", "ops", "ada", "unspecified"])).code).toBe(2);
    expect((await cli(["role", "grant", "ops", "nobody", "viewer"])).code).toBe(3);
    expect((await cli(["role", "grant", "ops", "ada"])).code).toBe(2);
  }, 120_000);

  it("lists audit events with filters, globally and for one project", async () => {
    for (const name of ["audit-a", "audit-b"]) {
      expect((await cli(["apikey", "create", "ops", "--name", name])).code).toBe(0);
    }
    expect((await asAda(["apikey", "create", "ops", "--name", "audit-c"])).code).toBe(5);
    const all = await cli(["audit", "list", "--since", "1h", "-o", "json"]);
    expect(all.code, all.stderr).toBe(0);
    const events = JSON.parse(all.stdout).events as { action: string; project?: string }[];
    expect(events.map((e) => e.action)).toContain("guardian.auth.v1.AuthService/CreateUser");

    const project = await cli([
      "audit",
      "list",
      "--project",
      "ops",
      "--action",
      "guardian.auth.v1.*",
      "--limit",
      "2",
      "-o",
      "json",
    ]);
    const some = JSON.parse(project.stdout).events as { action: string; project: string }[];
    expect(some).toHaveLength(2);
    for (const e of some) {
      expect(e.project).toBe("ops");
      expect(e.action).toMatch(/^guardian\.auth\.v1\./);
    }
    const byActor = await cli([
      "audit",
      "list",
      "--actor",
      "ada",
      "--since",
      new Date(Date.now() - 3_600_000).toISOString(),
    ]);
    expect(byActor.stdout).toMatch(/^TIME\s+ACTOR\s+ACTION\s+TARGET\s+RESULT/);
    expect(byActor.stdout).toMatch(
      /ada\s+guardian\.auth\.v1\.AuthService\/CreateApiKey\s+projects\/ops\S*\s+denied/,
    );
    const future = await cli(["audit", "list", "--since", "2999-01-01", "-o", "json"]);
    expect(JSON.parse(future.stdout).events ?? []).toEqual([]);

    expect((await cli(["audit", "list", "--since", "yesterday"])).code).toBe(2);
    expect((await cli(["audit", "list", "--limit", "0"])).code).toBe(2);
    expect((await cli(["audit", "list", "--project", "nope-project"])).code).toBe(3);
    expect((await asAda(["audit", "list"])).code).toBe(5);
    expect((await asAda(["audit", "list", "--project", "ops"])).code).toBe(5);
  }, 120_000);

  it("shows the cluster's members, leader and term, locks and services", async () => {
    const status = await cli(["cluster", "status"]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/engine:\s+sql/);
    expect(status.stdout).toMatch(/members:\s+1 \(1 healthy\)/);
    const members = JSON.parse((await cli(["cluster", "members", "-o", "json"])).stdout);
    expect(members.engine).toBe("ENGINE_SQL");
    expect(members.members).toHaveLength(1);
    expect((await cli(["cluster", "members"])).stdout).toMatch(/^ID\s+NAME\s+ROLE\s+HEALTHY/);

    const lock = await admin.cluster.acquireLock({ name: "ops/deploy", owner: "runner-1" });
    const locks = await cli(["cluster", "locks", "ops/deploy", "ops/free"]);
    expect(locks.code, locks.stderr).toBe(0);
    expect(locks.stdout).toMatch(
      new RegExp(`ops/deploy\\s+runner-1\\s+${lock.lock!.fencingToken}\\s`),
    );
    expect(locks.stdout).toMatch(/ops\/free\s+\(free\)/);
    const lockJson = JSON.parse(
      (await cli(["cluster", "locks", "ops/deploy", "-o", "json"])).stdout,
    );
    expect(lockJson.locks).toMatchObject([{ name: "ops/deploy", owner: "runner-1" }]);

    await admin.cluster.registerInstance({
      service: "billing",
      instanceId: "b-1",
      address: "10.0.0.1",
      port: 8080,
    });
    const services = await cli(["cluster", "services"]);
    expect(services.stdout).toMatch(/billing\s+1/);
    const instances = JSON.parse(
      (await cli(["cluster", "services", "billing", "-o", "json"])).stdout,
    );
    expect(instances.instances).toMatchObject([
      { instanceId: "b-1", address: "10.0.0.1", port: 8080 },
    ]);
    expect((await cli(["cluster", "leader", "ops/leader"])).stdout).toContain(
      "ops/leader: no leader",
    );

    expect((await cli(["cluster", "locks", "bad name!"])).code).toBe(1);
    expect((await cli(["cluster", "locks"])).code).toBe(2);
    expect((await asAda(["cluster", "status"])).code).toBe(5);
  }, 120_000);
});
