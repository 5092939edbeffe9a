import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDev, stopGuardian, type RunningGuardian } from "@guardian/testkit";
import { createCli, type Cli } from "../testing/cli-process.js";
import { startDeviceIssuer, type DeviceIssuer } from "../testing/device-issuer.js";

const devicePoll = "urn:ietf:params:oauth:grant-type:device_code";

describe("guardian login --device (a Keycloak stand-in, a real server)", () => {
  let dir: string;
  let issuer: DeviceIssuer;
  let dev: RunningGuardian;
  let cli: Cli;
  const profiles = async () =>
    JSON.parse(await readFile(join(dir, "config", "guardian", "config.json"), "utf8")).profiles;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "guardian-cli-device-"));
    // Access tokens that expire within the refresh margin: every command refreshes first.
    issuer = await startDeviceIssuer({
      pending: [],
      user: { username: "kc-ada", realmRoles: ["guardian-viewer"] },
      expiresInSec: 20,
      intervalSec: 1,
    });
    dev = await startDev(join(dir, "data"), {
      KEYCLOAK_ISSUER_URL: issuer.issuer,
      KEYCLOAK_JWKS_URL: issuer.jwksUrl,
    });
    cli = createCli(join(dir, "config"));
  }, 120_000);

  afterAll(async () => {
    if (dev) await stopGuardian(dev);
    if (issuer) await issuer.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("signs in with a device code, polling slower after slow_down, and keeps the tokens", async () => {
    issuer.pending.push("authorization_pending", "slow_down");
    const login = await cli(["login", "--url", dev.url, "--device"]);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toBe("");
    expect(login.stderr).toContain(
      `To sign in, open ${issuer.issuer}/device and enter the code WDJB-MJHT`,
    );
    expect(login.stderr).toContain(`Signed in to ${dev.url} as kc-ada at ${issuer.issuer}`);

    const [device, ...polls] = issuer.requests;
    expect(device).toMatchObject({
      path: "/protocol/openid-connect/auth/device",
      form: { client_id: "guardian-console" },
    });
    expect(polls.map((p) => [p.form.grant_type, p.form.device_code, p.form.client_id])).toEqual(
      Array(3).fill([devicePoll, "device-code-1", "guardian-console"]),
    );
    // After slow_down the interval grows by 5 seconds (RFC 8628, section 3.5).
    expect(polls[2]!.at - polls[1]!.at).toBeGreaterThanOrEqual(5_000);

    const saved = (await profiles()).default;
    expect(saved).toMatchObject({
      url: dev.url,
      refreshToken: "refresh-0",
      tokenEndpoint: `${issuer.issuer}/protocol/openid-connect/token`,
      clientId: "guardian-console",
    });
    expect(saved.accessToken).toBeTruthy();
  }, 120_000);

  it("refreshes the session at the issuer's token endpoint and calls Guardian as the Keycloak user", async () => {
    const before = issuer.requests.length;
    const who = await cli(["whoami", "-o", "json"]);
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({
      actor: "kc-ada",
      issuer: issuer.issuer,
      globalRoles: ["GLOBAL_ROLE_VIEWER"],
    });
    expect(issuer.requests.slice(before).map((r) => r.form)).toEqual([
      { grant_type: "refresh_token", refresh_token: "refresh-0", client_id: "guardian-console" },
    ]);
    expect((await profiles()).default.refreshToken).toBe("refresh-1");

    // A viewer reads but may not write.
    expect((await cli(["project", "list"])).code).toBe(0);
    expect((await cli(["project", "create", "kc-project"])).code).toBe(5);
  }, 120_000);

  it("exits 5 and keeps no credentials when the user denies the sign-in", async () => {
    issuer.pending.push("authorization_pending", "access_denied");
    const denied = await cli(["login", "--url", dev.url, "--device", "--profile", "other"]);
    expect(denied.code).toBe(5);
    expect(denied.stderr).toContain("PermissionDenied: sign-in was denied at the issuer");
    expect((await profiles()).other).toBeUndefined();
  }, 120_000);
});
