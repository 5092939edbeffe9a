import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootstrapPassword, startDev, stopGuardian, type RunningGuardian } from "@guardian/testkit";
import { createCli, type Cli } from "./cli-process.js";

/** A `guardian dev` process and the real CLI signed in to it as `admin`. */
export interface CliServer {
  /** The test's own folder: the server's data, the CLI's profiles, the test's files. */
  dir: string;
  dev: RunningGuardian;
  /** The real `./guardian`, with profiles under `<dir>/config`, signed in as admin. */
  cli: Cli;
  /** The bootstrap admin password. */
  password: string;
}

/** Starts `guardian dev` in a new folder and signs the CLI in as admin (`--password-stdin`). */
export async function startSignedInCli(name: string): Promise<CliServer> {
  const dir = await mkdtemp(join(tmpdir(), `guardian-cli-${name}-`));
  const dev = await startDev(join(dir, "data"));
  const cli = createCli(join(dir, "config"));
  const password = bootstrapPassword(dev.output());
  const login = await cli(["login", "--url", dev.url, "--username", "admin", "--password-stdin"], {
    input: password,
  });
  if (login.code !== 0) {
    await stopGuardian(dev);
    throw new Error(`guardian login exited ${login.code}:\n${login.stderr}`);
  }
  return { dir, dev, cli, password };
}

/** Stops the server of {@link startSignedInCli} and removes its folder. */
export async function stopCliServer(server: Partial<CliServer>): Promise<void> {
  if (server.dev) await stopGuardian(server.dev);
  if (server.dir) await rm(server.dir, { recursive: true, force: true });
}
