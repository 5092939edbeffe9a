import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnProcess } from "./process.js";
import { makeTempDir, removeTempDir } from "./temp-dir.js";
import { freePorts } from "./ports.js";

let dir: string;

beforeAll(async () => {
  dir = await makeTempDir("process-test");
});

afterAll(async () => {
  await removeTempDir(dir);
});

describe("spawnProcess", () => {
  it("captures the child's stdout and stderr in its log file", async () => {
    const child = spawnProcess({
      name: "echo",
      command: process.execPath,
      args: ["-e", "console.log('to stdout'); console.error('to stderr')"],
      logFile: join(dir, "echo.log"),
    });
    expect(await child.exit).toEqual({ code: 0, signal: null });
    expect(child.logTail()).toBe("to stdout\nto stderr");
  });

  it("kills a child that ignores the stop signal once the timeout passes", async () => {
    const child = spawnProcess({
      name: "stubborn",
      command: process.execPath,
      args: [
        "-e",
        "process.on('SIGTERM', () => console.log('ignored')); setInterval(() => {}, 1000); console.log('ready')",
      ],
      logFile: join(dir, "stubborn.log"),
    });
    await waitForLog(child.logTail, "ready");
    const result = await child.stop({ timeoutMs: 300 });
    expect(result.signal).toBe("SIGKILL");
    expect(child.exited).toBe(true);
    expect(child.logTail()).toContain("ignored");
  });

  it("reports a command that cannot be started through exit instead of throwing", async () => {
    const child = spawnProcess({
      name: "missing",
      command: join(dir, "no-such-binary"),
      args: [],
      logFile: join(dir, "missing.log"),
    });
    const result = await child.exit;
    expect(result.error?.message).toMatch(/ENOENT/);
  });
});

describe("freePorts", () => {
  it("hands out distinct ports that are never repeated", async () => {
    const first = await freePorts(20);
    const second = await freePorts(20);
    expect(new Set([...first, ...second]).size).toBe(40);
  });
});

async function waitForLog(tail: () => string, text: string): Promise<void> {
  for (let i = 0; i < 100 && !tail().includes(text); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
