import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { editor, typeDocument } from "./testing/editor.js";
import { startConsoleTestbed, type ConsoleTestbed } from "./testing/browser.js";

// The main journey of a console user, through the pages alone: sign in; create a project, a
// schema and a config; see a violation at its pointer; save; watch the change arrive live in
// a second browser; meet a conflict from a stale version; roll back; find the rollback in the
// project's audit log.

const schema = {
  type: "object",
  properties: { replicas: { type: "integer", minimum: 1, maximum: 10 } },
  required: ["replicas"],
};

const saved = (page: Page) =>
  page
    .getByRole("status")
    .filter({ hasText: /Saved as version/ })
    .waitFor();

describe("console main journey", () => {
  let bed: ConsoleTestbed;
  beforeAll(async () => {
    bed = await startConsoleTestbed();
  }, 120_000);
  afterAll(async () => {
    await bed?.stop();
  });

  it("goes from sign-in to a rollback found in the audit log", async () => {
    const first = await bed.open();
    const { page } = first;
    page.setDefaultTimeout(15_000);
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill(bed.adminPassword);
    await page.getByRole("button", { name: "Sign in" }).click();

    // A project, then a schema in it.
    await page.getByLabel("Project name").fill("checkout");
    await page.getByRole("button", { name: "Create project" }).click();
    const projectNav = page.getByRole("navigation", { name: "Project checkout" });
    await projectNav.getByRole("link", { name: "Schemas" }).click();
    await page.getByLabel("Schema name").fill("service");
    await page.getByLabel("JSON Schema").fill(JSON.stringify(schema));
    await page.getByRole("button", { name: "Create schema" }).click();
    await page.getByRole("heading", { name: "Schema service" }).waitFor();

    // A config bound to it.
    await projectNav.getByRole("link", { name: "Configs" }).click();
    await page.getByRole("link", { name: "New config" }).click();
    await page.getByLabel("Key").fill("eu/api");
    await page.getByLabel("Schema").selectOption("service");
    await typeDocument(page, '{"replicas": 2}');
    await page.getByRole("button", { name: "Create config" }).click();
    await page.getByRole("heading", { name: "eu/api" }).waitFor();

    // An invalid value shows its violation at the pointer; a valid one saves.
    await typeDocument(page, '{"replicas": 20}');
    const violations = page.getByRole("list", { name: "Violations" });
    await expect.poll(() => violations.textContent()).toMatch(/\/replicas/);
    await typeDocument(page, '{"replicas": 3}');
    await page.getByRole("heading", { name: "No violations" }).waitFor();
    await page.getByLabel("Change message").fill("three replicas");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await saved(page);

    // A second browser with the same config open sees the next change arrive live.
    const second = await bed.signedIn();
    second.page.setDefaultTimeout(15_000);
    await second.page.goto("/#/p/checkout/c/eu%2Fapi");
    await expect.poll(() => editor(second.page).innerText()).toContain('"replicas": 3');
    await second.page.getByRole("status").filter({ hasText: "Live" }).waitFor();
    await typeDocument(page, '{"replicas": 4}');
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await saved(page);
    await expect.poll(() => editor(second.page).innerText()).toContain('"replicas": 4');

    // A third browser edits from a version that has gone stale: the conflict keeps its edit.
    const third = await bed.signedIn();
    third.page.setDefaultTimeout(15_000);
    await third.page.route("**/guardian.config.v1.ConfigService/Watch", (route) => route.abort());
    await third.page.goto("/#/p/checkout/c/eu%2Fapi");
    await expect.poll(() => editor(third.page).innerText()).toContain('"replicas": 4');
    await typeDocument(page, '{"replicas": 5}');
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await saved(page);
    await typeDocument(third.page, '{"replicas": 6}');
    await third.page.getByRole("button", { name: "Save", exact: true }).click();
    await third.page
      .getByRole("heading", { name: /^Not saved: version \d+ was saved meanwhile/ })
      .waitFor();
    expect(await editor(third.page).innerText()).toContain('"replicas": 6');

    // Roll back to the first version, with a message.
    await page.getByRole("link", { name: "History" }).click();
    const revisions = page.getByRole("table", { name: "Revisions" });
    await expect.poll(() => revisions.getByRole("row").count()).toBe(5);
    const firstRevision = await page
      .getByLabel("Revision to restore")
      .locator("option")
      .last()
      .getAttribute("value");
    await page.getByLabel("Revision to restore").selectOption(firstRevision!);
    await page.getByLabel("Rollback message").fill("back to two");
    await page.getByRole("button", { name: "Roll back" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: /Rolled back to revision/ })
      .waitFor();

    // The rollback is in the project's audit log.
    await projectNav.getByRole("link", { name: "Audit" }).click();
    await page.getByLabel("Action").fill("guardian.config.v1.ConfigService/RollbackConfig");
    await page.getByRole("button", { name: "Apply filters" }).click();
    const events = page.getByRole("table", { name: "Audit events" });
    await events
      .getByRole("row", { name: /RollbackConfig/ })
      .first()
      .waitFor();
    await expect
      .poll(() => events.getByRole("row").nth(1).textContent())
      .toMatch(/admin.*eu\/api.*OK/);

    expect(first.problems).toEqual([]);
    expect(second.problems).toEqual([]);
    expect(third.problems.filter((p) => !/status of 409|net::ERR_FAILED/.test(p))).toEqual([]);
    for (const c of [first, second, third]) await c.context.close();
  }, 120_000);
});
