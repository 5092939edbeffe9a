import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, stat, symlink } from "node:fs/promises";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataDirInUseError, lockDataDir } from "./data-dir-lock.js";

const root = fileURLToPath(new URL("../../../..", import.meta.url));
const loader = join(root, "node_modules/tsx/dist/loader.mjs");

/** Starts a process that takes the lock of `dir` and holds it until it is killed. */
async function holdInAnotherProcess(dir: string, abstract: boolean) {
  const code = `import(${JSON.stringify(new URL("./data-dir-lock.ts", import.meta.url).href)})
    .then((m) => m.lockDataDir(${JSON.stringify(dir)}, { abstract: ${abstract} }))
    .then(() => { console.log("locked"); setInterval(() => {}, 60_000); });`;
  const child = spawn(process.execPath, ["--import", `file://${loader}`, "-e", code], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (b: Buffer) => b.toString().includes("locked") && resolve());
    child.once("exit", (c) => reject(new Error(`the holder exited with ${c}`)));
  });
  return child;
}

describe.each([
  { variant: "an abstract socket (Linux)", abstract: true },
  { variant: "a socket file in the directory (other systems)", abstract: false },
])("lockDataDir with $variant", ({ abstract }) => {
  let base: string;
  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), "guardian-lock-"));
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it("keeps its lock, and its process, when clients connect and reset at once", async () => {
    const dir = join(base, `r-${abstract}`);
    await mkdir(dir);
    const held = await lockDataDir(dir, { abstract });
    const { dev, ino } = await stat(dir);
    const path = abstract ? `\0guardian-data-dir-${dev}-${ino}` : join(dir, ".guardian.lock");
    for (let i = 0; i < 100; i++) {
      await new Promise<void>((resolve) => {
        const socket = net.connect(path, () => socket.destroy());
        socket.on("error", () => {});
        socket.on("close", () => resolve());
      });
    }
    await expect(lockDataDir(dir, { abstract })).rejects.toBeInstanceOf(DataDirInUseError);
    await held.release();
  });

  it("refuses a second hold of a directory, by any path to it, until the first is released", async () => {
    const dir = join(base, `a-${abstract}`);
    await mkdir(dir);
    const link = `${dir}-link`;
    await symlink(dir, link);
    const first = await lockDataDir(dir, { abstract });
    for (const path of [dir, link, join(link, ".")]) {
      const refused = await lockDataDir(path, { abstract }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(DataDirInUseError);
      expect((refused as Error).message).toContain(
        `in use by another guardian dev (process ${process.pid})`,
      );
      expect((refused as Error).message).toContain(path);
    }
    // Other directories are not affected.
    await mkdir(join(base, `b-${abstract}`));
    const other = await lockDataDir(join(base, `b-${abstract}`), { abstract });
    await other.release();
    await first.release();
    const again = await lockDataDir(dir, { abstract });
    await again.release();
    // Nothing is left behind in the directory.
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses a directory another process holds, and frees it when that process is killed", async () => {
    const dir = join(base, `c-${abstract}`);
    await mkdir(dir);
    const holder = await holdInAnotherProcess(dir, abstract);
    try {
      await expect(lockDataDir(dir, { abstract })).rejects.toThrow(
        `in use by another guardian dev (process ${holder.pid})`,
      );
    } finally {
      const gone = new Promise((resolve) => holder.once("exit", resolve));
      holder.kill("SIGKILL");
      await gone;
    }
    // Killed without any cleanup of its own: the lock went with it, or is left unanswered.
    const taken = await lockDataDir(dir, { abstract });
    await taken.release();
  }, 30_000);
});
