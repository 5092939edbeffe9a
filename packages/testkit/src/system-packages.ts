import { spawn } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";

/** Absolute paths of the server binaries the integration tests start. */
export interface SystemBinaries {
  /** Directory of the newest installed PostgreSQL (`/usr/lib/postgresql/<ver>/bin`). */
  readonly postgresBinDir: string;
  readonly postgres: string;
  readonly initdb: string;
  readonly redisServer: string;
  readonly etcd: string;
  readonly etcdctl: string;
  /** The Chromium the browser tests drive (through playwright-core). */
  readonly chromium: string;
  /** Prometheus's rule checker, which checks and unit-tests the alert rules. */
  readonly promtool: string;
}

/** Names of the binaries {@link findSystemBinaries} looks for. */
export type SystemBinaryName =
  "postgres" | "initdb" | "redis-server" | "etcd" | "etcdctl" | "chromium" | "promtool";

/** What {@link findSystemBinaries} found on this machine. */
export interface SystemBinaryLookup {
  /** Found binaries by name; a missing binary has no entry. */
  readonly found: Partial<Record<SystemBinaryName, string>>;
  /** Names of the binaries that were not found. */
  readonly missing: readonly SystemBinaryName[];
}

const postgresRoot = "/usr/lib/postgresql";
const fallbackDirs = ["/usr/bin", "/usr/sbin", "/usr/local/bin"];

/** The Debian packages that provide each binary (fonts for the browser's pages). */
const debianPackagesOf: Record<SystemBinaryName, readonly string[]> = {
  postgres: ["postgresql"],
  initdb: ["postgresql"],
  "redis-server": ["redis-server"],
  etcd: ["etcd-server"],
  etcdctl: ["etcd-client"],
  chromium: ["chromium", "fonts-liberation"],
  promtool: ["prometheus"],
};

/**
 * Finds the PostgreSQL, Redis, etcd and Chromium binaries without installing anything.
 *
 * PostgreSQL comes from the highest version under `/usr/lib/postgresql/<ver>/bin`; the
 * others come from `PATH` or the usual system directories.
 */
export function findSystemBinaries(): SystemBinaryLookup {
  const found: Partial<Record<SystemBinaryName, string>> = {};
  const pgDir = newestPostgresBinDir();
  if (pgDir !== undefined) {
    found.postgres = join(pgDir, "postgres");
    found.initdb = join(pgDir, "initdb");
  }
  for (const name of ["redis-server", "etcd", "etcdctl", "chromium", "promtool"] as const) {
    const path = findOnPath(name);
    if (path !== undefined) found[name] = path;
  }
  const all: SystemBinaryName[] = [
    "postgres",
    "initdb",
    "redis-server",
    "etcd",
    "etcdctl",
    "chromium",
    "promtool",
  ];
  return { found, missing: all.filter((name) => found[name] === undefined) };
}

/**
 * Returns the binaries the tests need, or throws an Error that names the install command.
 *
 * It never installs anything; {@link ensureSystemPackages} does.
 */
export function requireSystemBinaries(): SystemBinaries {
  const { found, missing } = findSystemBinaries();
  if (missing.length > 0) throw new Error(missingMessage(missing));
  const postgres = found.postgres as string;
  return {
    postgresBinDir: join(postgres, ".."),
    postgres,
    initdb: found.initdb as string,
    redisServer: found["redis-server"] as string,
    etcd: found.etcd as string,
    etcdctl: found.etcdctl as string,
    chromium: found.chromium as string,
    promtool: found.promtool as string,
  };
}

let aptUpdated = false;

/**
 * Makes sure PostgreSQL, redis-server, etcd, etcdctl, Chromium and promtool are installed, and returns
 * their paths.
 *
 * When something is missing and the process runs as root on Debian, it installs the missing
 * packages with apt-get (services are kept from auto-starting). Otherwise it throws an Error
 * whose message holds the exact install command.
 */
export async function ensureSystemPackages(
  log: (line: string) => void = (line) => console.log(line),
): Promise<SystemBinaries> {
  const { missing } = findSystemBinaries();
  if (missing.length === 0) return requireSystemBinaries();
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !existsSync("/etc/debian_version")) throw new Error(missingMessage(missing));

  const packages = packagesFor(missing);
  log(`testkit: installing ${packages.join(" ")} with apt-get (missing: ${missing.join(", ")})`);
  await withServicesHeldBack(async () => {
    if (!aptUpdated) {
      await runApt(["update"]);
      aptUpdated = true;
    }
    await runApt(["install", "-y", "--no-install-recommends", ...packages]);
  });
  return requireSystemBinaries();
}

function packagesFor(missing: readonly SystemBinaryName[]): string[] {
  return [...new Set(missing.flatMap((name) => debianPackagesOf[name]))];
}

function missingMessage(missing: readonly SystemBinaryName[]): string {
  const install = `sudo apt-get install -y ${packagesFor(missing).join(" ")}`;
  return (
    `The integration tests need ${missing.join(", ")}, which ${missing.length === 1 ? "is" : "are"} ` +
    `not installed. On Debian/Ubuntu run: ${install}` +
    ` (elsewhere install PostgreSQL, Redis, etcd 3.4+, Chromium and Prometheus's promtool so these binaries are on PATH).`
  );
}

function newestPostgresBinDir(): string | undefined {
  let versions: string[];
  try {
    versions = readdirSync(postgresRoot);
  } catch {
    return undefined;
  }
  const usable = versions
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .filter((v) => isExecutable(join(postgresRoot, v, "bin", "postgres")))
    .filter((v) => isExecutable(join(postgresRoot, v, "bin", "initdb")))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  const newest = usable[0];
  return newest === undefined ? undefined : join(postgresRoot, newest, "bin");
}

function findOnPath(name: string): string | undefined {
  const dirs = [...(process.env["PATH"] ?? "").split(delimiter), ...fallbackDirs];
  for (const dir of dirs) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `fn` with a policy-rc.d that forbids service starts, so apt does not launch Redis or
 * etcd on their default ports. An existing policy-rc.d is left untouched.
 */
async function withServicesHeldBack(fn: () => Promise<void>): Promise<void> {
  const policy = "/usr/sbin/policy-rc.d";
  const created = !existsSync(policy);
  if (created) writeFileSync(policy, "#!/bin/sh\nexit 101\n", { mode: 0o755 });
  try {
    await fn();
  } finally {
    if (created) rmSync(policy, { force: true });
  }
}

function runApt(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("apt-get", args, {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive", RUNLEVEL: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString("utf8")).slice(-8000);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`apt-get ${args.join(" ")} exited with ${code}:\n${output}`));
    });
  });
}
