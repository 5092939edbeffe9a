import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { createJsonCaller } from "./testing/json-caller.js";
import { bootstrapPassword } from "@guardian/testkit";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const launcher = join(root, "guardian");
const compiled = join(root, "packages/cli/dist/main.js");
const run = promisify(execFile);

/** Runs `./guardian <args>` to completion. */
const guardian = (...args: string[]) => run(launcher, args, { cwd: root, timeout: 120_000 });

/** A module to preload that reports on stderr the first read of a Fetch API global. */
const fetchApiTrap = `
let told = false;
for (const name of ["fetch", "Headers", "Request", "Response", "FormData"]) {
  const lazy = Object.getOwnPropertyDescriptor(globalThis, name);
  if (!lazy?.get) continue;
  Object.defineProperty(globalThis, name, {
    ...lazy,
    get() {
      if (!told) process.stderr.write("fetch API read: " + name + "\\n");
      told = true;
      return lazy.get.call(this);
    },
  });
}
`;

describe("./guardian (the launcher)", () => {
  it("compiles the sources again after one changes, then runs the compiled CLI as is", async () => {
    // Start from a build of the sources as they are, whatever changed before this test.
    await guardian("--help");
    const source = join(root, "packages/cli/src/usage-error.ts");
    const changedAt = new Date();
    await utimes(source, changedAt, changedAt);

    const first = await guardian("--help");
    expect(first.stderr).toContain(
      "compiling the sources (packages/cli/src/usage-error.ts changed)",
    );
    expect(first.stdout).toContain("Usage: guardian <command>");
    const stamp = JSON.parse(
      await readFile(join(root, "packages/cli/dist/build-stamp.json"), "utf8"),
    );
    expect(stamp.files["packages/cli/src/usage-error.ts"]).toMatch(/^\d+:/);
    expect((await stat(compiled)).mtimeMs).toBeGreaterThanOrEqual(changedAt.getTime() - 1_000);

    const second = await guardian("--help");
    expect(second.stderr).toBe("");
    expect(second.stdout).toBe(first.stdout);
  });

  it("runs from any folder and through a relative path, with CDPATH set, adding nothing to the output", async () => {
    const expected = (await guardian("--help")).stdout;
    const elsewhere = await run(launcher, ["--help"], {
      cwd: tmpdir(),
      env: { ...process.env, CDPATH: tmpdir() },
    });
    expect(elsewhere).toEqual({ stdout: expected, stderr: "" });
    const relative = await run("../../guardian", ["--help"], {
      cwd: join(root, "packages/cli"),
      env: { ...process.env, CDPATH: root },
    });
    expect(relative).toEqual({ stdout: expected, stderr: "" });
  });

  it("leaves the schema engine (ajv, RE2) to the worker threads' bundle", async () => {
    // The service's own thread only names dialects; compiling and validating run on the
    // worker threads, so the CLI's start neither compiles nor evaluates those packages.
    await guardian("--help");
    const packagesOf = async (bundle: string) =>
      new Set(
        [
          ...(await readFile(join(root, "packages/cli/dist", bundle), "utf8")).matchAll(
            /^\/\/ node_modules\/\.pnpm\/((?:@[^+/]+\+)?[^@/]+)@/gm,
          ),
        ].map((m) => m[1]),
      );
    const main = await packagesOf("main.js");
    const worker = await packagesOf("worker-entry.js");
    for (const name of ["ajv", "ajv-formats", "re2js"]) {
      expect(worker).toContain(name);
      expect(main).not.toContain(name);
    }
    expect(main).toContain("@bufbuild+protobuf");
  });

  describe("dev, from a new data directory", () => {
    let dataDir: string | undefined;
    afterAll(async () => {
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it("serves every service, schema checks on worker threads included, and stops cleanly", async () => {
      dataDir = await mkdtemp(join(tmpdir(), "guardian-launcher-"));
      // Node loads its Fetch API (20-45 ms) when one of its globals is first read: the start
      // reads none, and the first request does. A preloaded module tells when.
      const trap = join(dataDir, "fetch-api-trap.mjs");
      await writeFile(trap, fetchApiTrap);
      const child = spawn(launcher, ["dev"], {
        cwd: root,
        env: {
          ...process.env,
          GUARDIAN_PORT: "0",
          GUARDIAN_DATA_DIR: join(dataDir, "data"),
          NODE_OPTIONS: `${process.env["NODE_OPTIONS"] ?? ""} --import ${pathToFileURL(trap).href}`,
          // A tunable of one's own is kept; the launcher adds glibc's huge pages to it.
          GLIBC_TUNABLES: "glibc.malloc.perturb=0",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (b: Buffer) => (out += b.toString()));
      child.stderr.on("data", (b: Buffer) => (out += b.toString()));
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      try {
        const url = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no URL printed:\n${out}`)), 90_000);
          child.stdout.on("data", () => {
            const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
            if (m) {
              clearTimeout(timer);
              resolve(m[1]!);
            }
          });
          void exited.then((code) =>
            reject(new Error(`guardian dev exited with ${code}:\n${out}`)),
          );
        });
        expect(out).not.toContain("fetch API read");
        if (process.platform === "linux") {
          // (glibc cuts the variable at each ':' as it reads it, so the pieces are read.)
          const environ = (await readFile(`/proc/${child.pid}/environ`, "utf8")).split(/[\0:]/);
          expect(environ).toContain("GLIBC_TUNABLES=glibc.malloc.perturb=0");
          expect(environ).toContain("glibc.malloc.hugetlb=1");
        }
        const api = createJsonCaller(() => url);
        const login = await api.call("guardian.auth.v1.AuthService/Login", {
          username: "admin",
          password: bootstrapPassword(out),
        });
        expect(login.status).toBe(200);
        api.token = login.json.tokens.accessToken;
        await api.call("guardian.config.v1.ConfigService/CreateProject", { project: "launch" });
        const schema = await api.call("guardian.schema.v1.SchemaService/CreateSchema", {
          project: "launch",
          name: "limits",
          content: { type: "object", properties: { n: { type: "integer", maximum: 10 } } },
        });
        expect(schema.json, JSON.stringify(schema.json)).toHaveProperty("schemaVersion.version", 1);
        const invalid = await api.call("guardian.config.v1.ConfigService/CreateConfig", {
          project: "launch",
          key: "k",
          schema: "limits",
          content: { n: 11 },
        });
        expect(invalid.status).toBe(400);
        expect(invalid.json.message).toContain("/n");
        expect(out).toMatch(/fetch API read: \w+/);
      } finally {
        child.kill("SIGTERM");
      }
      expect(await exited).toBe(0);
    });
  });
});
