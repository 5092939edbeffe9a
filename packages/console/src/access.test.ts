import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { ApiKeyScope, Role } from "@guardian/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInClients, type FixtureClients } from "./testing/admin-fixtures.js";
import { startConsoleTestbed, type ConsoleTestbed } from "./testing/browser.js";

const project = "depot";
const viewer = { username: "vera", password: "vera-password-2026" };

describe("console access and audit screens", () => {
  let bed: ConsoleTestbed;
  let admin: FixtureClients;
  /** Reads the test config over plain HTTP (Connect JSON) with an API key. */
  const readWithKey = async (secret: string) => {
    const res = await fetch(`${bed.server.url}/guardian.config.v1.ConfigService/ReadConfig`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": secret },
      body: JSON.stringify({ project, key: "eu/flags" }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    bed = await startConsoleTestbed();
    admin = await signInClients(bed.server.url, "admin", bed.adminPassword);
    await admin.config.createProject({ project });
    await admin.schema.createSchema({ project, name: "flags", content: { type: "object" } });
    await admin.config.createConfig({
      project,
      key: "eu/flags",
      schema: "flags",
      content: fromJson(ValueSchema, { checkout: true }),
    });
    await admin.auth.createUser(viewer);
    await admin.auth.grantRole({ project, username: viewer.username, role: Role.VIEWER });
    await admin.auth.createUser({ username: "omar", password: "omar-password-2026" });
  }, 120_000);
  afterAll(async () => {
    await bed?.stop();
  });

  it("creates an API key whose secret is shown once and reads a config over HTTP; revoking it refuses the key", async () => {
    const { context, page, problems } = await bed.signedIn();
    await context.grantPermissions(["clipboard-read", "clipboard-write"], {
      origin: bed.server.url,
    });
    await page.goto(`/#/p/${project}/access`);
    await page.getByRole("heading", { name: `Access to ${project}` }).waitFor();
    await page.getByLabel("Key name").fill("reader");
    await page.getByLabel("Key prefix").fill("eu");
    await page.getByRole("button", { name: "Create API key" }).click();
    const secretBox = page.getByLabel("API key secret");
    await secretBox.waitFor();
    const secret = (await secretBox.textContent()) ?? "";
    expect(secret).toMatch(/^gdn_ak_\w+_[A-Za-z0-9_-]{43}$/);
    await page.getByText("it is not shown again").waitFor();
    await page.getByRole("button", { name: "Copy", exact: true }).click();
    await page.getByRole("status").getByText("Copied").waitFor();
    await expect(page.evaluate("navigator.clipboard.readText()")).resolves.toBe(secret);
    const row = page.getByRole("table", { name: "API keys" }).getByRole("row", { name: /reader/ });
    await expect.poll(() => row.textContent()).toMatch(/readerak_\w+Readeu.*by admin/);
    await bed.screenshot(page, "access");

    const read = await readWithKey(secret);
    expect(read).toMatchObject({ status: 200, body: { content: { checkout: true } } });

    // The secret lives only in the screen: gone after leaving it and coming back.
    await page
      .getByRole("navigation", { name: `Project ${project}` })
      .getByText("Schemas")
      .click();
    await page.getByRole("heading", { name: `Schemas of ${project}` }).waitFor();
    await page.goBack();
    await row.waitFor();
    await expect.poll(() => secretBox.count()).toBe(0);
    await expect.poll(() => page.getByText(secret).count()).toBe(0);

    await page.getByRole("button", { name: "Revoke reader" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke key" }).click();
    await page.getByRole("status").getByText("API key reader revoked.").waitFor();
    await expect.poll(() => row.count()).toBe(0);
    await page.getByLabel("Show revoked and expired keys").check();
    await row.getByText("Revoked").waitFor();
    const refused = await readWithKey(secret);
    expect(refused).toMatchObject({ status: 401, body: { code: "unauthenticated" } });
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it("rotates a key: the new secret is shown once and works, the previous one stops at once", async () => {
    const created = await admin.auth.createApiKey({
      project,
      name: "rotating",
      scope: ApiKeyScope.READ,
    });
    await expect(readWithKey(created.secret)).resolves.toMatchObject({ status: 200 });
    const { context, page, problems } = await bed.signedIn();
    await page.goto(`/#/p/${project}/access`);
    await page.getByRole("button", { name: "Rotate rotating" }).click();
    await page.getByRole("dialog").getByText("The current secret stops at once.").waitFor();
    await page.getByRole("dialog").getByRole("button", { name: "Rotate key" }).click();
    await page.getByRole("heading", { name: "Secret of rotating" }).waitFor();
    const secret = (await page.getByLabel("API key secret").textContent()) ?? "";
    expect(secret).not.toBe(created.secret);
    await expect(readWithKey(secret)).resolves.toMatchObject({ status: 200 });
    await expect(readWithKey(created.secret)).resolves.toMatchObject({ status: 401 });
    await page.getByRole("button", { name: "Done" }).click();
    await expect.poll(() => page.getByLabel("API key secret").count()).toBe(0);
    await admin.auth.revokeApiKey({ project, id: created.apiKey!.id });
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it("grants a role binding and revokes it after confirmation", async () => {
    const { context, page, problems } = await bed.signedIn();
    await page.goto(`/#/p/${project}/access`);
    const bindings = page.getByRole("table", { name: "Role bindings" });
    await bindings.getByRole("row", { name: /vera/ }).waitFor();
    await page.getByLabel("Username").fill("omar");
    await page.getByRole("combobox", { name: /^Role/ }).selectOption({ label: "Editor" });
    await page.getByRole("button", { name: "Grant role" }).click();
    const omar = bindings.getByRole("row", { name: /omar/ });
    await expect.poll(() => omar.textContent()).toMatch(/^omarEditor.*admin/);
    const granted = await admin.auth.listRoleBindings({ project });
    expect(granted.bindings.map((b) => [b.username, b.role])).toEqual([
      ["admin", Role.ADMIN],
      ["omar", Role.EDITOR],
      ["vera", Role.VIEWER],
    ]);

    await page.getByRole("button", { name: "Revoke omar" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke role" }).click();
    await page
      .getByRole("status")
      .getByText(`The role of omar on ${project} was revoked.`)
      .waitFor();
    await expect.poll(() => omar.count()).toBe(0);
    const left = await admin.auth.listRoleBindings({ project });
    expect(left.bindings.map((b) => b.username)).toEqual(["admin", "vera"]);
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it("shows a viewer the lists without create, grant, revoke or dry-run controls", async () => {
    const { context, page, problems } = await bed.signedIn(viewer.username, viewer.password);
    await page.goto(`/#/p/${project}/access`);
    await page
      .getByRole("table", { name: "Role bindings" })
      .getByRole("row", { name: /vera/ })
      .waitFor();
    await page.getByText("The project's admins manage its API keys.").waitFor();
    await expect.poll(() => page.getByRole("button", { name: "Grant role" }).count()).toBe(0);
    await expect.poll(() => page.getByRole("button", { name: /^Revoke/ }).count()).toBe(0);
    await expect.poll(() => page.getByRole("button", { name: "Create API key" }).count()).toBe(0);

    await page.goto(`/#/p/${project}/schemas`);
    await page.getByRole("table", { name: "Schemas" }).getByRole("link", { name: "flags" }).click();
    await page.getByRole("heading", { name: "Schema flags" }).waitFor();
    await page.getByLabel("Text of version 1").waitFor();
    await expect.poll(() => page.getByRole("button", { name: "Dry run" }).count()).toBe(0);
    await page.goto(`/#/p/${project}/schemas`);
    await page.getByRole("table", { name: "Schemas" }).waitFor();
    await expect.poll(() => page.getByRole("form", { name: "New schema" }).count()).toBe(0);

    await page.goto(`/#/p/${project}/audit`);
    await page.getByText(`Only the admins of ${project} read its audit log.`).waitFor();
    await expect.poll(() => page.getByRole("link", { name: "Audit log" }).count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it("lists audit events with a mutation made here, narrows them with the filters and loads more pages", async () => {
    // Enough events that the project's log has more than one page of 50.
    for (let i = 0; i < 50; i++) {
      const role = i % 2 === 0 ? Role.EDITOR : Role.VIEWER;
      await admin.auth.grantRole({ project, username: "omar", role });
    }
    // The newest event, so it is on the first page.
    const { apiKey } = await admin.auth.createApiKey({
      project,
      name: "audited",
      scope: ApiKeyScope.READ,
    });
    const { context, page, problems } = await bed.signedIn();
    await page.goto("/#/audit");
    await page.getByRole("heading", { name: "Audit log" }).waitFor();
    const events = page.getByRole("table", { name: "Audit events" });
    const created = events.getByRole("row", { name: new RegExp(`apikeys/${apiKey!.id}`) });
    await expect
      .poll(() => created.textContent())
      .toMatch(/admin.*guardian\.auth\.v1\.AuthService\/CreateApiKey.*OK/);

    await page.getByLabel("Action").fill("guardian.auth.v1.AuthService/CreateApiKey");
    await page.getByRole("button", { name: "Apply filters" }).click();
    // Every row left is a CreateApiKey event.
    await expect
      .poll(async () => {
        const rows = (await events.getByRole("row").allTextContents()).slice(1);
        return rows.length > 0 && rows.every((r) => r.includes("AuthService/CreateApiKey"));
      })
      .toBe(true);
    await created.waitFor();
    await bed.screenshot(page, "audit");
    await page.getByLabel("Actor").fill(viewer.username);
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.getByText("No events match.").waitFor();
    await page.getByRole("button", { name: "Clear filters" }).click();
    await created.waitFor();

    await page.goto(`/#/p/${project}/audit`);
    await page.getByRole("heading", { name: `Audit log of ${project}` }).waitFor();
    await page.getByLabel("Actor").waitFor();
    await expect
      .poll(() => page.getByRole("textbox", { name: "Project", exact: true }).count())
      .toBe(0);
    await page.getByRole("button", { name: "Load more" }).waitFor();
    await expect.poll(() => events.getByRole("row").count()).toBe(51);
    await page.getByRole("button", { name: "Load more" }).click();
    await expect.poll(() => events.getByRole("row").count()).toBeGreaterThan(51);
    // The second page was the last: every event of the project is listed once, none twice.
    await expect.poll(() => page.getByRole("button", { name: "Load more" }).count()).toBe(0);
    const all = await admin.auth.listProjectAuditEvents({ project, pageSize: 1000 });
    expect(all.nextPageToken).toBe("");
    await expect.poll(() => events.getByRole("row").count()).toBe(all.events.length + 1);
    await page.getByLabel("Outcome").selectOption({ label: "Denied" });
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.getByText("No events match.").waitFor();
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);
});
