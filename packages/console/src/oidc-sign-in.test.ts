import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCodeIssuer, type CodeIssuer } from "./testing/code-issuer.js";
import { startConsoleTestbed, type ConsoleTestbed } from "./testing/browser.js";

describe("console sign-in with Keycloak (authorization code with PKCE)", () => {
  let issuer: CodeIssuer;
  let bed: ConsoleTestbed;
  const clientId = "guardian-console";

  beforeAll(async () => {
    // Access tokens this short are renewed before every call: the refresh path runs too.
    issuer = await startCodeIssuer({
      clientId,
      expiresInSec: 20,
      user: {
        username: "carol",
        realmRoles: ["guardian-viewer"],
        givenName: "Carol",
        familyName: "Viewer",
      },
    });
    bed = await startConsoleTestbed({
      env: {
        KEYCLOAK_ISSUER_URL: issuer.issuer,
        KEYCLOAK_JWKS_URL: issuer.jwksUrl,
        KEYCLOAK_CONSOLE_CLIENT_ID: clientId,
        GUARDIAN_LOCAL_LOGIN: "false",
      },
    });
    // A project made by a Keycloak admin, for the viewer to see.
    const admin = await issuer.mint({ username: "alice", realmRoles: ["guardian-admin"] });
    const res = await fetch(`${bed.server.url}/guardian.config.v1.ConfigService/CreateProject`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${admin}` },
      body: JSON.stringify({ project: "payments" }),
    });
    expect(res.status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await bed?.stop();
    await issuer?.close();
  });

  it("signs in through the issuer, lists projects as that user, and signs out of both", async () => {
    const { context, page, problems } = await bed.open();
    const host = new URL(issuer.issuer).host;
    const button = page.getByRole("button", { name: `Sign in with ${host}`, exact: true });
    await button.waitFor();
    // Local login is off: no password form.
    expect(await page.getByLabel("Password").count()).toBe(0);
    await button.click();

    await page.getByRole("heading", { name: "Projects" }).waitFor();
    await page.getByRole("cell", { name: "payments" }).first().waitFor();
    await page.getByText("Carol Viewer").waitFor();
    await bed.screenshot(page, "projects-keycloak");
    // The code and state are gone from the address.
    expect(new URL(page.url()).search).toBe("");

    const origin = new URL(bed.server.url).origin;
    const auth = issuer.requests.find((r) => r.path === "/protocol/openid-connect/auth");
    expect(auth?.params).toMatchObject({
      client_id: clientId,
      redirect_uri: `${origin}/`,
      response_type: "code",
      scope: "openid",
      code_challenge_method: "S256",
    });
    const tokenCalls = issuer.requests.filter((r) => r.path === "/protocol/openid-connect/token");
    expect(tokenCalls[0]?.params).toMatchObject({
      grant_type: "authorization_code",
      client_id: clientId,
      redirect_uri: `${origin}/`,
    });
    expect(tokenCalls[0]?.params["code_verifier"]).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(tokenCalls.some((r) => r.params["grant_type"] === "refresh_token")).toBe(true);

    // A reload keeps the session, and its tokens are still renewed at the issuer.
    const renewals = () =>
      issuer.requests.filter((r) => r.params["grant_type"] === "refresh_token").length;
    const before = renewals();
    await page.reload();
    await page.getByRole("cell", { name: "payments" }).first().waitFor();
    expect(renewals()).toBeGreaterThan(before);

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to Guardian" }).waitFor();
    const logout = issuer.requests.find((r) => r.path === "/protocol/openid-connect/logout");
    expect(logout?.params).toMatchObject({
      client_id: clientId,
      post_logout_redirect_uri: `${origin}/`,
    });
    expect(logout?.params["id_token_hint"]).toBeTruthy();
    expect(problems).toEqual([]);
    await context.close();
  });

  it("refuses a return whose state this tab did not start", async () => {
    const { context, page, problems } = await bed.open();
    await page.goto("/?code=forged&state=forged");
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/not started here/);
    expect(new URL(page.url()).search).toBe("");
    const forged = issuer.requests.filter((r) => r.params["code"] === "forged");
    expect(forged).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });
});
