import { fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInClients, type FixtureClients } from "./testing/admin-fixtures.js";
import { editor, editorText, typeDocument } from "./testing/editor.js";
import { startConsoleTestbed, type ConsoleTestbed } from "./testing/browser.js";

const project = "shop";
const value = (json: JsonValue) => fromJson(ValueSchema, json);
const appSchema = {
  type: "object",
  properties: {
    replicas: { type: "integer", minimum: 1, maximum: 10 },
    region: { type: "string" },
  },
  required: ["replicas"],
};

describe("config screens", () => {
  let bed: ConsoleTestbed;
  let admin: FixtureClients;
  const create = (key: string, content: JsonValue, labels: Record<string, string> = {}) =>
    admin.config.createConfig({ project, key, schema: "app", content: value(content), labels });

  /** A signed-in page whose waits fail within the test's time, naming the step. */
  const signedIn = async () => {
    const opened = await bed.signedIn();
    opened.page.setDefaultTimeout(12_000);
    return opened;
  };

  beforeAll(async () => {
    bed = await startConsoleTestbed();
    admin = await signInClients(bed.server.url, "admin", bed.adminPassword);
    await admin.config.createProject({ project });
    await admin.schema.createSchema({ project, name: "app", content: appSchema });
    await create("eu/app", { replicas: 2, region: "eu" }, { env: "prod" });
    await create("eu/db", { replicas: 1 }, { env: "dev" });
    await create("us/app", { replicas: 3 }, { env: "prod" });
  }, 180_000);
  afterAll(async () => {
    await bed?.stop();
  });

  it("filters the list by prefix and label, and updates it live as another client writes", async () => {
    const { context, page, problems } = await signedIn();
    await page.goto(`/#/p/${project}`);
    const table = page.getByRole("table", { name: "Configs" });
    const rows = table.getByRole("row");
    await expect.poll(() => rows.count()).toBe(4);
    await expect.poll(() => table.getByRole("link", { name: "eu/app" }).isVisible()).toBe(true);

    await page.getByLabel("Key prefix").fill("eu/");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect.poll(() => rows.count()).toBe(3);
    await page.getByLabel("Labels").fill("env=prod");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect.poll(() => rows.count()).toBe(2);
    await expect.poll(() => table.getByRole("link", { name: "eu/app" }).isVisible()).toBe(true);

    const live = page.getByRole("status").filter({ hasText: "Live" });
    await live.waitFor();
    await expect.poll(() => live.getAttribute("data-state")).toBe("live");
    await create("eu/cache", { replicas: 4 }, { env: "prod" });
    await create("eu/queue", { replicas: 4 }, { env: "dev" }); // filtered out by its label
    await table.getByRole("link", { name: "eu/cache" }).waitFor();
    const written = await admin.config.updateConfig({
      project,
      key: "eu/cache",
      content: value({ replicas: 5 }),
    });
    const cacheRow = table.getByRole("row").filter({ hasText: "eu/cache" });
    await cacheRow.getByRole("cell", { name: String(written.revision), exact: true }).waitFor();
    await expect.poll(() => cacheRow.textContent()).toMatch(/app v1 \(latest\).*admin/);
    await bed.screenshot(page, "configs");
    await admin.config.deleteConfig({ project, key: "eu/cache" });
    await expect.poll(() => rows.count()).toBe(2);
    expect(await table.textContent()).not.toContain("eu/queue");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("creates a config through the page", async () => {
    const { context, page, problems } = await signedIn();
    await page.goto(`/#/p/${project}`);
    await page.getByRole("link", { name: "New config" }).click();
    await page.getByRole("heading", { name: "New config" }).waitFor();
    await page.getByLabel("Key").fill("eu/web");
    await page.getByLabel("Schema").selectOption("app");
    await page.getByLabel("Labels").fill("env=prod");
    await typeDocument(page, '{"replicas": 3}');
    await page.getByRole("list", { name: "Violations" }).waitFor({ state: "attached" });
    await page.getByRole("heading", { name: "No violations" }).waitFor();
    await page.getByLabel("Message").fill("first web config");
    await page.getByRole("button", { name: "Create config" }).click();
    await page.getByRole("heading", { name: "eu/web" }).waitFor();
    const stored = await admin.config.getConfig({ project, key: "eu/web" });
    expect(toJson(ValueSchema, stored.config!.content!)).toEqual({ replicas: 3 });
    expect(stored.config!.labels).toEqual({ env: "prod" });
    expect(problems).toEqual([]);
    await context.close();
  });

  it("shows violations at their pointers as the user types, under the CSP, and saves", async () => {
    const { context, page, problems } = await signedIn();
    await page.goto(`/#/p/${project}/c/eu%2Fapp`);
    await expect.poll(() => editorText(page)).toContain('"region": "eu"');
    await bed.screenshot(page, "editor");

    await typeDocument(page, '{"replicas": 20, "region": "eu"}');
    const violations = page.getByRole("list", { name: "Violations" });
    await expect.poll(() => violations.textContent()).toMatch(/\/replicas.*greater than 10/);
    // The same violation is a diagnostic on the value itself: F8 selects the next
    // diagnostic's range, and typing over it replaces exactly the value 20.
    await editor(page).press("Control+Home");
    await editor(page).press("F8");
    await bed.screenshot(page, "editor-violation");
    await page.keyboard.insertText("5");
    await page.getByRole("heading", { name: "No violations" }).waitFor();
    await expect(editorText(page)).resolves.toContain('{"replicas": 5, "region": "eu"}');

    // Not JSON: one syntax violation.
    await typeDocument(page, '{"replicas": ');
    await expect.poll(() => violations.textContent()).toMatch(/syntax.*Not JSON at line 1/);

    // The server is the authority: an invalid document it refuses shows its violations.
    await typeDocument(page, '{"replicas": 0}');
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("heading", { name: /refused by the server/ }).waitFor();
    await expect.poll(() => violations.textContent()).toContain("/replicas");

    await typeDocument(page, '{"replicas": 6, "region": "eu"}');
    await page.getByRole("heading", { name: "No violations" }).waitFor();
    await page.getByLabel("Change message").fill("six replicas");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page
      .getByRole("status")
      .filter({ hasText: /Saved as version/ })
      .waitFor();
    const stored = await admin.config.getConfig({ project, key: "eu/app" });
    expect(toJson(ValueSchema, stored.config!.content!)).toEqual({ replicas: 6, region: "eu" });
    // Only the refused save's status line; no CSP refusal (the validator generates no code).
    expect(problems.filter((p) => !p.includes("status of 400"))).toEqual([]);
    await context.close();
  });

  it("shows a change saved elsewhere live in a second browser with the same config open", async () => {
    const first = await signedIn();
    const second = await signedIn();
    for (const { page } of [first, second]) {
      await page.goto(`/#/p/${project}/c/us%2Fapp`);
      await expect.poll(() => editorText(page)).toContain('"replicas": 3');
      await page.getByRole("status").filter({ hasText: "Live" }).waitFor();
    }
    await typeDocument(first.page, '{"replicas": 7}');
    await first.page.getByRole("button", { name: "Save", exact: true }).click();
    await first.page
      .getByRole("status")
      .filter({ hasText: /Saved as version/ })
      .waitFor();
    await expect.poll(() => editorText(second.page)).toContain('"replicas": 7');
    // With an unsaved edit, the second browser keeps it and says that a newer version came.
    await typeDocument(second.page, '{"replicas": 4}');
    await typeDocument(first.page, '{"replicas": 9}');
    await first.page.getByRole("button", { name: "Save", exact: true }).click();
    await expect
      .poll(async () => {
        const res = await admin.config.getConfig({ project, key: "us/app" });
        return toJson(ValueSchema, res.config!.content!);
      })
      .toEqual({ replicas: 9 });
    await second.page.getByRole("heading", { name: /A newer version \d+ arrived/ }).waitFor();
    expect(await editorText(second.page)).toContain('{"replicas": 4}');
    expect([...first.problems, ...second.problems]).toEqual([]);
    await first.context.close();
    await second.context.close();
  });

  it("keeps the edit on a conflict, shows the newer version beside it, and saves over it", async () => {
    const { context, page, problems } = await signedIn();
    // Without the live feed, the newer version is found only when the save is refused.
    await page.route("**/guardian.config.v1.ConfigService/Watch", (route) => route.abort());
    await page.goto(`/#/p/${project}/c/eu%2Fdb`);
    await expect.poll(() => editorText(page)).toContain('"replicas": 1');
    const status = page.locator("[role=status][data-state]");
    await expect.poll(() => status.getAttribute("data-state")).toBe("reconnecting");
    await typeDocument(page, '{"replicas": 8}');
    const other = await admin.config.updateConfig({
      project,
      key: "eu/db",
      content: value({ replicas: 9 }),
      message: "meanwhile",
    });
    await page.getByRole("button", { name: "Save", exact: true }).click();
    const version = String(other.revision);
    await page
      .getByRole("heading", { name: `Not saved: version ${version} was saved meanwhile` })
      .waitFor();
    const diff = page.getByRole("table", {
      name: `Differences between Version ${version} and Your edit`,
    });
    const compared = await diff.textContent();
    expect(compared).toContain('"replicas": 9');
    expect(compared).toContain('"replicas": 8');
    expect(await editorText(page)).toContain('"replicas": 8');
    await bed.screenshot(page, "conflict");

    await page.getByRole("button", { name: `Save over version ${version}` }).click();
    await page
      .getByRole("status")
      .filter({ hasText: /Saved as version/ })
      .waitFor();
    const stored = await admin.config.getConfig({ project, key: "eu/db" });
    expect(toJson(ValueSchema, stored.config!.content!)).toEqual({ replicas: 8 });
    expect(stored.config!.version).toBeGreaterThan(other.revision);

    // The feed comes back: the indicator turns live again.
    await page.unroute("**/guardian.config.v1.ConfigService/Watch");
    await expect.poll(() => status.getAttribute("data-state"), { timeout: 30_000 }).toBe("live");
    expect(problems.filter((p) => !/status of 409|net::ERR_FAILED/.test(p))).toEqual([]);
    await context.close();
  });

  it("shows the history with authors and messages, diffs two revisions and rolls back", async () => {
    const v1 = await create("eu/hist", { replicas: 1 });
    await admin.config.updateConfig({
      project,
      key: "eu/hist",
      content: value({ replicas: 2 }),
      message: "two",
    });
    const v3 = await admin.config.updateConfig({
      project,
      key: "eu/hist",
      content: value({ replicas: 3 }),
      message: "three",
    });
    const { context, page, problems } = await signedIn();
    await page.goto(`/#/p/${project}/c/eu%2Fhist/history`);
    const table = page.getByRole("table", { name: "Revisions" });
    await expect.poll(() => table.getByRole("row").count()).toBe(4);
    const newest = table.getByRole("row").nth(1);
    await expect.poll(() => newest.textContent()).toMatch(/updated.*admin.*three/);

    const first = String(v1.revision);
    await page.getByRole("radio", { name: `Compare from revision ${first}` }).check();
    await page.getByRole("radio", { name: `Compare to revision ${v3.revision}` }).check();
    const diff = page.getByRole("table", {
      name: `Differences between Revision ${first} and Revision ${v3.revision}`,
    });
    await expect.poll(() => diff.textContent()).toMatch(/"replicas": 1.*"replicas": 3/s);
    await bed.screenshot(page, "history");

    await page.getByLabel("Revision to restore").selectOption(first);
    await page.getByLabel("Rollback message").fill("back to one");
    await page.getByRole("button", { name: "Roll back" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: /Rolled back to revision/ })
      .waitFor();
    await expect.poll(() => table.getByRole("row").count()).toBe(5);
    await expect
      .poll(() => table.getByRole("row").nth(1).textContent())
      .toMatch(new RegExp(`rolled back to ${first}.*admin.*back to one`));
    const stored = await admin.config.getConfig({ project, key: "eu/hist" });
    expect(toJson(ValueSchema, stored.config!.content!)).toEqual({ replicas: 1 });
    expect(stored.config!.version).toBeGreaterThan(v3.revision);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("deletes a config after confirmation", async () => {
    await create("eu/old", { replicas: 1 });
    const { context, page, problems } = await signedIn();
    await page.goto(`/#/p/${project}/c/eu%2Fold`);
    await expect.poll(() => editorText(page)).toContain('"replicas": 1');
    await page.getByRole("button", { name: "Delete config" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete config" }).click();
    await page.getByRole("heading", { name: "Configs" }).waitFor();
    await expect(admin.config.getConfig({ project, key: "eu/old" })).rejects.toThrow(/not found/i);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('keeps a member named "__proto__" through the editor and a save', async () => {
    // Made by JSON.parse: in an object literal it would set the prototype instead.
    const doc = (replicas: number) => `{"replicas": ${replicas}, "__proto__": {"x": 1}}`;
    await create("eu/proto", JSON.parse(doc(2)) as JsonValue);
    const { context, page, problems } = await signedIn();
    await page.goto(`/#/p/${project}/c/eu%2Fproto`);
    await expect.poll(() => editorText(page)).toContain('"__proto__"');
    await typeDocument(page, doc(3));
    await page.getByRole("heading", { name: "No violations" }).waitFor();
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page
      .getByRole("status")
      .filter({ hasText: /Saved as version/ })
      .waitFor();
    const stored = await admin.config.getConfig({ project, key: "eu/proto" });
    expect(toJson(ValueSchema, stored.config!.content!)).toEqual(JSON.parse(doc(3)));
    expect(problems).toEqual([]);
    await context.close();
  });
});
