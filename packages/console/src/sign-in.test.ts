import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startConsoleTestbed, type ConsoleTestbed } from "./testing/browser.js";

describe("console sign-in", () => {
  let bed: ConsoleTestbed;
  beforeAll(async () => {
    bed = await startConsoleTestbed();
  }, 120_000);
  afterAll(async () => {
    await bed?.stop();
  });

  it("refuses a wrong password with the server's answer, then signs in and out", async () => {
    const { context, page, problems } = await bed.open();
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/Unauthenticated/);
    await page.getByLabel("Password").fill(bed.adminPassword);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Projects" }).waitFor();
    await bed.screenshot(page, "projects");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to Guardian" }).waitFor();
    // A wrong password logs a failed request in the page's console; nothing else may appear.
    expect(problems.filter((p) => !p.includes("401"))).toEqual([]);
    await context.close();
  });

  it("keeps the session across a reload of the tab", async () => {
    const { context, page } = await bed.signedIn();
    await page.reload();
    await page.getByRole("button", { name: "Sign out" }).waitFor();
    await context.close();
  });
});
