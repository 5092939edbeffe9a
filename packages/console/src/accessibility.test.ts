import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInClients } from "./testing/admin-fixtures.js";
import { accessibilityReport, tabTo } from "./testing/accessibility.js";
import { startConsoleTestbed, type ConsoleTestbed } from "./testing/browser.js";

describe("console accessibility", () => {
  let bed: ConsoleTestbed;
  beforeAll(async () => {
    bed = await startConsoleTestbed();
  }, 120_000);
  afterAll(async () => {
    await bed?.stop();
  });

  it("signs in and creates a project with the keyboard alone", async () => {
    const { context, page, problems } = await bed.open();
    page.setDefaultTimeout(10_000);
    const signIn = await accessibilityReport(page);
    expect(signIn.unnamed, signIn.tree).toEqual([]);
    expect(signIn.h1, signIn.tree).toBe(1);
    expect(await tabTo(page, "Username")).toBe(true);
    await page.keyboard.type("admin");
    await page.keyboard.press("Tab");
    await page.keyboard.type(bed.adminPassword);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Projects", level: 1 }).waitFor();
    expect(await tabTo(page, "Project name")).toBe(true);
    await page.keyboard.type("keyboard-only");
    await page.keyboard.press("Enter");
    await page.getByRole("navigation", { name: "Project keyboard-only" }).waitFor();
    expect(await tabTo(page, "Projects")).toBe(true);
    await page.keyboard.press("Enter");
    await page.getByRole("link", { name: "keyboard-only" }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it("names every control and has one h1 on each main screen", async () => {
    const admin = await signInClients(bed.server.url, "admin", bed.adminPassword);
    const project = "a11y";
    await admin.config.createProject({ project });
    await admin.schema.createSchema({ project, name: "app", content: { type: "object" } });
    await admin.config.createConfig({
      project,
      key: "eu/app",
      schema: "app",
      content: fromJson(ValueSchema, { a: 1 }),
    });
    const { context, page, problems } = await bed.signedIn();
    const screens = [
      "#/p/a11y/new",
      "#/p/a11y/c/eu%2Fapp",
      "#/p/a11y/c/eu%2Fapp/history",
      "#/p/a11y/schemas/app",
      "#/",
      "#/p/a11y",
      "#/p/a11y/schemas",
      "#/p/a11y/access",
      "#/p/a11y/audit",
      "#/audit",
      "#/cluster",
    ];
    for (const hash of screens) {
      await page.goto(`/${hash}`);
      await page.getByRole("heading", { level: 1 }).first().waitFor();
      // Loaded when nothing says it is busy (live screens keep a stream open: no network idle).
      await page.locator('[aria-busy="true"]').first().waitFor({ state: "detached" });
      const report = await accessibilityReport(page);
      expect(report.unnamed, `${hash}\n${report.tree}`).toEqual([]);
      expect(report.h1, `${hash}\n${report.tree}`).toBe(1);
    }
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);
});
