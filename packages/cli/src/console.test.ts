import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  makeTempDir,
  removeTempDir,
  startDev,
  startGuardian,
  stopGuardian,
  type RunningGuardian,
} from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const building = /guardian: building the web console/;
const built = /guardian: built the web console in \d+\.\d s/;
const issuer = "https://sso.example.com/realms/guardian";

describe("the web console, served by guardian dev and guardian serve console", () => {
  let temp: string;
  let consoleDir: string;
  const running: RunningGuardian[] = [];
  const start = async (run: () => Promise<RunningGuardian>) => {
    const r = await run();
    running.push(r);
    return r;
  };

  beforeAll(async () => {
    temp = await makeTempDir("guardian-console-serving-");
    consoleDir = join(temp, "console");
  });
  afterAll(async () => {
    for (const r of running) await stopGuardian(r);
    await removeTempDir(temp);
  });

  it("builds the console on the first start of dev, saying so with the time, and reuses it after", async () => {
    const env = { GUARDIAN_CONSOLE_DIR: consoleDir, KEYCLOAK_ISSUER_URL: issuer };
    const first = await start(() => startDev(join(temp, "data-1"), env));
    expect(first.output()).toMatch(building);
    expect(first.output()).toMatch(built);
    const page = await fetch(`${first.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    // The page may call the external issuer's token endpoint, and nothing else outside.
    expect(page.headers.get("content-security-policy")).toContain(
      "connect-src 'self' https://sso.example.com;",
    );
    await stopGuardian(first);

    const second = await start(() => startDev(join(temp, "data-2"), env));
    expect(second.output()).not.toMatch(building);
    expect((await fetch(`${second.url}/`)).status).toBe(200);
    await stopGuardian(second);
  }, 180_000);

  it("refuses to serve console from a folder without index.html, naming the setting", () => {
    const empty = join(temp, "empty");
    mkdirSync(empty);
    const r = spawnSync(
      process.execPath,
      [
        "--import",
        `file://${join(root, "node_modules/tsx/dist/loader.mjs")}`,
        join(root, "packages/cli/src/main.ts"),
        "serve",
        "console",
      ],
      {
        env: { ...process.env, GUARDIAN_CONSOLE_DIR: empty, GUARDIAN_PORT: "0" },
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("GUARDIAN_CONSOLE_DIR");
    expect(r.stderr).toContain("no index.html");
  }, 90_000);

  it("serves the built console with health and metrics, without a database or RPCs", async () => {
    const server = await start(() =>
      startGuardian(["serve", "console"], {
        GUARDIAN_CONSOLE_DIR: consoleDir,
        GUARDIAN_LOG_LEVEL: "info",
        KEYCLOAK_ISSUER_URL: issuer,
        DATABASE_URL: "",
      }),
    );
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-cache");
    expect(page.headers.get("content-security-policy")).toContain("https://sso.example.com");
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(await page.text())?.[1];
    const asset = await fetch(`${server.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${server.url}/metrics`)).text()).toContain("# TYPE");
    const rpc = await fetch(`${server.url}/guardian.auth.v1.AuthService/GetOidcConfiguration`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(rpc.status).toBe(404);
    expect(server.output()).not.toMatch(building);
  }, 90_000);
});
