import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort, type ManagedProcess } from "@guardian/testkit";
import { createFixture } from "../lib/fixture.js";
import { processTree, startGuardian, waitReady } from "../lib/processes.js";
import { commonEnv, type Deployment } from "./deployment.js";

/**
 * Writes a rate limit file whose limits are far above anything the bench sends, so that the
 * embedded limiter still runs on every call but never refuses one. The file gets a folder of
 * its own: the limiter watches the folder of its file, and the load generator's request logs
 * in `dir` would otherwise wake it on every logged request.
 */
export function writeHugeLimits(dir: string): string {
  const folder = join(dir, "ratelimit");
  mkdirSync(folder, { recursive: true });
  const file = join(folder, "ratelimit.yaml");
  const limit = "rate_limit: { unit: second, requests_per_unit: 1000000000 }";
  writeFileSync(
    file,
    [
      "domain: guardian",
      "descriptors:",
      ...["user", "api_key", "remote_address"].map((key) => `  - key: ${key}\n    ${limit}`),
    ].join("\n") + "\n",
  );
  return file;
}

/** Environment of `./guardian dev` for the bench: its data dir, port and rate limits. */
export function embeddedEnv(dataDir: string, port: number, limitsFile: string) {
  return {
    ...commonEnv,
    GUARDIAN_DATA_DIR: dataDir,
    GUARDIAN_PORT: String(port),
    GUARDIAN_RATELIMIT_CONFIG: limitsFile,
  };
}

/** Reads the bootstrap admin's password from the first start's banner. */
export async function bootstrapPassword(child: ManagedProcess): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const text = readFileSync(child.logFile, "utf8");
    const found = /password "([^"]+)"/.exec(text)?.[1];
    if (found !== undefined) return found;
    await sleep(50);
  }
  throw new Error(`no bootstrap password in the output of ${child.name}:\n${child.logTail()}`);
}

/** Starts `./guardian dev` on a fresh data dir and a random port, and creates the fixture. */
export async function startEmbedded(workDir: string, writeKeys: number): Promise<Deployment> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = embeddedEnv(join(workDir, "embedded-data"), port, writeHugeLimits(workDir));
  const server = startGuardian({ args: ["dev"], env, logDir: workDir, name: "embedded" });
  try {
    await waitReady(url, server);
    const password = await bootstrapPassword(server);
    const fixture = await createFixture(url, { username: "admin", password }, writeKeys);
    return {
      mode: "embedded",
      url,
      server,
      fixture,
      processGroups: () => ({
        "server process": server.pid === undefined ? [] : processTree(server.pid),
      }),
      stop: async () => {
        await server.stop({ timeoutMs: 20_000 });
      },
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
