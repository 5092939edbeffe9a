import { createPrivateKey, sign, type JsonWebKey } from "node:crypto";
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureSigningKey } from "@guardian/auth-service";
import { openEmbeddedDatabase } from "@guardian/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDev, stopGuardian, waitFor, type RunningGuardian } from "@guardian/testkit";
import { repairModes, secureDataDir } from "./host/data-dir.js";

/** Every path below `dir` (itself included) that is not owner-only, with its mode in octal. */
async function exposed(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (path: string) => {
    const st = await lstat(path);
    if (st.isSymbolicLink()) return;
    const mode = st.mode & 0o777;
    const want = st.isDirectory() ? 0o700 : 0o600;
    if (mode !== want) out.push(`${path} ${mode.toString(8)}`);
    if (st.isDirectory()) for (const e of await readdir(path)) await walk(join(path, e));
  };
  await walk(dir);
  return out;
}

/** Makes everything below `dir` world-readable and world-writable, as older versions left it. */
async function openUp(dir: string): Promise<number> {
  let files = 0;
  const walk = async (path: string) => {
    const st = await lstat(path);
    if (st.isSymbolicLink()) return;
    await chmod(path, st.isDirectory() ? 0o777 : 0o666);
    if (!st.isDirectory()) files += 1;
    else for (const e of await readdir(path)) await walk(join(path, e));
  };
  await walk(dir);
  return files;
}

async function signingKeys(dataDir: string): Promise<string[]> {
  const db = await openEmbeddedDatabase({ dataDir: join(dataDir, "pgdata") });
  try {
    const res = await db.pool.query<{ private_jwk: string }>(
      `SELECT private_jwk FROM signing_keys`,
    );
    return res.rows.map((r) => r.private_jwk);
  } finally {
    await db.close();
  }
}

async function post(dev: RunningGuardian, path: string, body: unknown, token = "") {
  const res = await fetch(`${dev.url}/${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Signs the claims of `token` again, as ES256 with `jwk` under its kid. */
function resign(token: string, jwk: JsonWebKey & { kid?: string }): string {
  const header = { alg: "ES256", kid: jwk.kid, typ: "JWT" };
  const signed = `${Buffer.from(JSON.stringify(header)).toString("base64url")}.${token.split(".")[1]}`;
  const key = createPrivateKey({ key: jwk, format: "jwk" });
  const sig = sign("sha256", Buffer.from(signed), { key, dsaEncoding: "ieee-p1363" });
  return `${signed}.${sig.toString("base64url")}`;
}

/** Checks that nothing in the data directory is open to others and every signing key is sealed. */
async function expectPrivateAndSealed(dataDir: string): Promise<void> {
  expect(await exposed(dataDir)).toEqual([]);
  const keys = await signingKeys(dataDir);
  expect(keys.length).toBeGreaterThan(0);
  for (const k of keys) expect(k).toMatch(/^aes-256-gcm:/);
}

describe("embedded mode's data directory at rest", () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "guardian-data-dir-"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("creates a new data directory owner-only, secrets included, and keeps it so after writes", async () => {
    const dataDir = join(root, "fresh", ".guardian");
    const dev = await startDev(dataDir);
    try {
      const password = /password "([^"]+)"/.exec(dev.output())![1]!;
      const login = await post(dev, "guardian.auth.v1.AuthService/Login", {
        username: "admin",
        password,
      });
      expect(login.status).toBe(200);
      const token = (login.json["tokens"] as { accessToken: string }).accessToken;
      const created = await post(
        dev,
        "guardian.config.v1.ConfigService/CreateProject",
        { project: "modes" },
        token,
      );
      expect(created.status).toBe(200);
      expect(await exposed(dataDir)).toEqual([]);
      const names = await readdir(dataDir);
      expect(names).toEqual(expect.arrayContaining(["page-token.secret", "signing-key.secret"]));
    } finally {
      expect(await stopGuardian(dev)).toBe(0);
    }
    await expectPrivateAndSealed(dataDir);
  }, 120_000);

  it("repairs an existing data directory: modes become owner-only, a plaintext signing key is withdrawn", async () => {
    const dataDir = join(root, "old");
    // A data directory as an older version wrote it: a private key in plain JSON, mode 0666.
    const db = await openEmbeddedDatabase({ dataDir: join(dataDir, "pgdata") });
    try {
      await ensureSigningKey(db.pool, {
        secret: undefined,
        publishGraceMs: 60_000,
        rotationMs: 86_400_000,
      });
    } finally {
      await db.close();
    }
    const plain = (await signingKeys(dataDir))[0]!;
    expect(plain).toMatch(/^plain:/);
    // What anyone who could read the directory may have copied.
    const stolen = JSON.parse(plain.slice("plain:".length)) as JsonWebKey & { kid?: string };
    expect(await openUp(dataDir)).toBeGreaterThan(100);
    expect((await exposed(dataDir)).length).toBeGreaterThan(100);

    const dev = await startDev(dataDir);
    try {
      // Closed to others before anything in it was read; what is below it is repaired while
      // the server serves.
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
      let left: string[] = [];
      await waitFor(
        async () => {
          left = await exposed(dataDir);
          return left.length === 0 ? true : undefined;
        },
        {
          what: "every mode in the data directory to be owner-only",
          timeoutMs: 10_000,
          intervalMs: 20,
          details: () => left.slice(0, 5).join("\n"),
        },
      );
      // A new key signs: a login works and its token is accepted.
      const password = /password "([^"]+)"/.exec(dev.output())![1]!;
      const login = await post(dev, "guardian.auth.v1.AuthService/Login", {
        username: "admin",
        password,
      });
      expect(login.status).toBe(200);
      const token = (login.json["tokens"] as { accessToken: string }).accessToken;
      const me = await post(dev, "guardian.auth.v1.AuthService/WhoAmI", {}, token);
      expect(me.status).toBe(200);
      // The same claims signed with the copied key are refused: that key no longer verifies.
      const forged = resign(token, stolen);
      const refused = await post(dev, "guardian.auth.v1.AuthService/WhoAmI", {}, forged);
      expect(refused.status).toBe(401);
    } finally {
      expect(await stopGuardian(dev)).toBe(0);
    }
    // Before the test opens the database itself (under its own umask).
    await expectPrivateAndSealed(dataDir);
  }, 120_000);

  it("closes an existing data directory to other users at once, through a symbolic link too", async () => {
    const real = join(root, "closed", "real");
    await mkdir(join(real, "pgdata"), { recursive: true });
    await writeFile(join(real, "pgdata", "PG_VERSION"), "17");
    await openUp(real);
    await chmod(real, 0o777);
    const link = join(root, "closed", "data-link");
    await symlink(real, link);

    await secureDataDir(link);
    // The directory itself: no other user reaches anything below it. What is below is for
    // repairModes, once the server serves.
    expect((await stat(real)).mode & 0o777).toBe(0o700);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    await repairModes(link);
    expect(await exposed(real)).toEqual([]);
  });

  it("repairs a data directory reached through a symbolic link, and follows no link inside it", async () => {
    const real = join(root, "linked", "real");
    await mkdir(join(real, "pgdata"), { recursive: true });
    await writeFile(join(real, "signing-key.secret"), "x".repeat(43));
    await writeFile(join(real, "pgdata", "PG_VERSION"), "17");
    const outside = join(root, "linked", "outside.txt");
    await writeFile(outside, "not Guardian's");
    await symlink(outside, join(real, "elsewhere"));
    await openUp(real);
    await chmod(outside, 0o666);
    const link = join(root, "linked", "data-link");
    await symlink(real, link);

    await repairModes(link);
    expect(await exposed(real)).toEqual([]);
    expect((await stat(outside)).mode & 0o777).toBe(0o666);
  });
});
