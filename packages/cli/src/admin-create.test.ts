import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { selectUserByUsername } from "@guardian/authz";
import { verifyPassword } from "@guardian/auth-service";
import { makeTempDir, removeTempDir, useTestDatabase } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCli, type Cli } from "./testing/cli-process.js";

const db = useTestDatabase();
const password = "first admin password";

describe("guardian admin create (the real binary, a real database)", () => {
  let dir: string;
  let cli: Cli;
  const run = (args: string[], input = "", env: Record<string, string> = {}) =>
    cli(["admin", "create", ...args], { input, env: { DATABASE_URL: db.url(), ...env } });

  beforeAll(async () => {
    dir = await makeTempDir("admin-create");
    cli = createCli(join(dir, "config"));
  });

  afterAll(async () => {
    await removeTempDir(dir);
  });

  it("creates a global admin from a password on stdin, and says so", async () => {
    const r = await run(["--username", "root", "--password-stdin"], `${password}\n`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('created global admin "root"');
    const row = await selectUserByUsername(db.pool(), "root");
    expect(row).toMatchObject({ issuer: "guardian", global_roles: ["admin"], disabled: false });
    expect(await verifyPassword(password, row!.password_hash!)).toBe(true);
    const audit = await db
      .pool()
      .query("SELECT action, result FROM audit_log WHERE target = 'users/root'");
    expect(audit.rows).toEqual([{ action: "auth.admin_created", result: "ok" }]);
  });

  it("succeeds without change when run again with the same password", async () => {
    const before = await selectUserByUsername(db.pool(), "root");
    const r = await run(["--username", "root", "--password-stdin"], password);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("already exists");
    const after = await selectUserByUsername(db.pool(), "root");
    expect(after?.updated_at).toEqual(before?.updated_at);
    expect(after?.password_hash).toBe(before?.password_hash);
  });

  it("refuses another password for an existing user, with the conflict exit code", async () => {
    const before = await selectUserByUsername(db.pool(), "root");
    const r = await run(["--username", "root", "--password-stdin"], "another long password");
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("--reset-password");
    expect((await selectUserByUsername(db.pool(), "root"))?.password_hash).toBe(
      before?.password_hash,
    );
  });

  it("replaces the password from a file with --reset-password", async () => {
    const file = join(dir, "admin-password");
    await writeFile(file, "the replaced password\n", { mode: 0o600 });
    const r = await run(["--username", "root", "--password-file", file, "--reset-password"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('updated "root"');
    const row = await selectUserByUsername(db.pool(), "root");
    expect(await verifyPassword("the replaced password", row!.password_hash!)).toBe(true);
  });

  it("creates the user once when two runs race, and both succeed", async () => {
    const [a, b] = await Promise.all([
      run(["--username", "twin", "--password-stdin"], password),
      run(["--username", "twin", "--password-stdin"], password),
    ]);
    expect([a.code, b.code], `${a.stderr}\n${b.stderr}`).toEqual([0, 0]);
    expect([a.stdout, b.stdout].join("")).toMatch(
      /created[\s\S]*already exists|already exists[\s\S]*created/,
    );
  });

  it("refuses what CreateUser refuses, as a usage error, and writes nothing", async () => {
    const short = await run(["--username", "shorty", "--password-stdin"], "short");
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/password.*at least 12 characters/);
    const badName = await run(["--username", "Not Valid", "--password-stdin"], password);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain("username");
    expect(await selectUserByUsername(db.pool(), "shorty")).toBeUndefined();
  });

  it("names what is missing: the password source, the file, DATABASE_URL", async () => {
    const none = await run(["--username", "root"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--password-stdin or --password-file");
    const missing = await run(["--username", "root", "--password-file", join(dir, "nope")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read");
    const noDb = await run(["--username", "root", "--password-stdin"], password, {
      DATABASE_URL: "",
    });
    expect(noDb.code).toBe(2);
    expect(noDb.stderr).toContain("DATABASE_URL");
  });
});
