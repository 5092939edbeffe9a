import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { FormatMode } from "@guardian/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInClients, type FixtureClients } from "./testing/admin-fixtures.js";
import { startConsoleTestbed, type ConsoleTestbed } from "./testing/browser.js";

const project = "shop";

describe("console schema screens", () => {
  let bed: ConsoleTestbed;
  let admin: FixtureClients;
  beforeAll(async () => {
    bed = await startConsoleTestbed();
    admin = await signInClients(bed.server.url, "admin", bed.adminPassword);
    await admin.config.createProject({ project });
  }, 120_000);
  afterAll(async () => {
    await bed?.stop();
  });

  it("creates a schema, adds a version after a clean dry run, and shows the diff of the two", async () => {
    const { context, page, problems } = await bed.signedIn();
    await page.goto(`/#/p/${project}/schemas`);
    await page.getByRole("heading", { name: `Schemas of ${project}` }).waitFor();
    await page.getByText("No schemas yet.").waitFor();
    await page.getByLabel("Schema name").fill("limits");
    await page.getByLabel("Description").fill("Connection limits");
    await page
      .getByLabel("JSON Schema")
      .fill(JSON.stringify({ type: "object", properties: { max: { type: "integer" } } }));
    await page.getByRole("button", { name: "Create schema" }).click();
    await page.getByRole("heading", { name: "Schema limits" }).waitFor();
    const versions = page.getByRole("table", { name: "Versions" });
    await expect.poll(() => versions.getByRole("row").count()).toBe(2);
    await expect.poll(() => versions.getByRole("row").nth(1).textContent()).toMatch(/^1admin/);

    const v2 = {
      type: "object",
      properties: { max: { type: "integer" }, min: { type: "integer" } },
    };
    await page.getByLabel("New version text").fill(JSON.stringify(v2, null, 2));
    await page.getByLabel("Message").fill("adds min");
    await page.getByRole("button", { name: "Dry run" }).click();
    await page.getByText("Checked 0 configs").waitFor();
    await page.getByText("none would break.").waitFor();
    await page.getByRole("button", { name: "Add version 2" }).click();
    await page.getByRole("status").getByText("Version 2 added.").waitFor();
    await versions.getByRole("cell", { name: "adds min" }).waitFor();
    await expect.poll(() => versions.getByRole("row").count()).toBe(3);
    await page.getByLabel("Text of version 2").getByText('"min"').waitFor();

    const diff = page.getByRole("table", { name: "Differences between Version 1 and Version 2" });
    await expect.poll(() => diff.locator("caption").textContent()).toMatch(/changed line/);
    await expect.poll(() => diff.textContent()).toContain('"min"');
    // Versions can be compared either way round.
    await page.getByLabel("From version").selectOption("2");
    await page.getByLabel("To version").selectOption("1");
    await page
      .getByRole("table", { name: "Differences between Version 2 and Version 1" })
      .waitFor();
    await page.getByRole("button", { name: "Show version 1" }).click();
    await expect
      .poll(() => page.getByLabel("Text of version 1").textContent())
      .not.toContain('"min"');

    await page.getByRole("link", { name: `All schemas of ${project}` }).click();
    const row = page.getByRole("table", { name: "Schemas" }).getByRole("row", { name: /limits/ });
    await expect.poll(() => row.textContent()).toMatch(/limits2Connection limits/);
    await bed.screenshot(page, "schemas");
    const stored = await admin.schema.listSchemaVersions({ project, name: "limits" });
    expect(stored.schemaVersions.map((v) => [v.version, v.message])).toEqual([
      [2, "adds min"],
      [1, ""],
    ]);
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it("dry-runs a version that would break a stored config, listing its key and pointer; cancel adds nothing, then adding anyway forces it", async () => {
    await admin.schema.createSchema({
      project,
      name: "orders",
      content: { type: "object", properties: { max: { type: "integer" } } },
    });
    await admin.config.createConfig({
      project,
      key: "eu/orders",
      schema: "orders",
      content: fromJson(ValueSchema, { max: 500 }),
    });
    const { context, page, problems } = await bed.signedIn();
    await page.goto(`/#/p/${project}/schemas/orders`);
    await page.getByRole("heading", { name: "Schema orders" }).waitFor();
    const strict = { type: "object", properties: { max: { type: "integer", maximum: 100 } } };
    await page.getByLabel("New version text").fill(JSON.stringify(strict, null, 2));
    await page.getByRole("button", { name: "Dry run" }).click();
    const broken = page.getByRole("table", { name: "Configs this version would break" });
    await broken.waitFor();
    await page.getByText("1 would no longer validate.").waitFor();
    const row = broken.getByRole("row", { name: /eu\/orders/ });
    await row.getByRole("list", { name: "Violations of eu/orders" }).waitFor();
    await expect
      .poll(() => row.getByRole("listitem").first().textContent())
      .toMatch(/^\/max .*100/);
    await bed.screenshot(page, "schema-dry-run");

    await page.getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => broken.count()).toBe(0);
    const after = await admin.schema.getSchema({ project, name: "orders" });
    expect(after.schema?.latestVersion).toBe(1);

    await page.getByRole("button", { name: "Dry run" }).click();
    await page.getByRole("button", { name: "Add version 2 anyway" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Add version" }).click();
    await page.getByRole("status").getByText("Version 2 added.").waitFor();
    await page.getByRole("table", { name: "Versions" }).getByText("2 (forced)").waitFor();
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it("creates a schema in annotate mode; the same text again is unchanged, and only switching to assert adds a version", async () => {
    const { context, page, problems } = await bed.signedIn();
    await page.goto(`/#/p/${project}/schemas`);
    await page.getByRole("heading", { name: `Schemas of ${project}` }).waitFor();
    await page.getByLabel("Schema name").fill("hosts");
    const schema = { type: "object", properties: { host: { type: "string", format: "hostname" } } };
    await page.getByLabel("JSON Schema").fill(JSON.stringify(schema));
    const created = page.getByRole("form", { name: "New schema" }).getByLabel("Format keyword");
    await expect.poll(() => created.inputValue()).toBe(String(FormatMode.ASSERT));
    await created.selectOption({ label: "Annotate only (format never fails validation)" });
    await page.getByRole("button", { name: "Create schema" }).click();
    await page.getByRole("heading", { name: "Schema hosts" }).waitFor();
    const versions = page.getByRole("table", { name: "Versions" });
    await expect.poll(() => versions.getByRole("row").count()).toBe(2);
    await expect.poll(() => versions.getByRole("row").nth(1).textContent()).toContain("Annotate");
    const modes = async () =>
      (await admin.schema.listSchemaVersions({ project, name: "hosts" })).schemaVersions.map(
        (v) => [v.version, v.formatMode],
      );
    expect(await modes()).toEqual([[1, FormatMode.ANNOTATE]]);

    // The new version starts as the latest: same text, same mode, so nothing to add.
    const mode = page.getByRole("form", { name: "New version" }).getByLabel("Format keyword");
    await expect.poll(() => mode.inputValue()).toBe(String(FormatMode.ANNOTATE));
    await page.getByRole("button", { name: "Dry run" }).click();
    const result = page.getByRole("region", { name: /^Dry run of version/ });
    await result
      .getByText(/^Unchanged: the text and format mode equal the latest version/)
      .waitFor();
    await expect.poll(() => page.getByRole("button", { name: /^Add version/ }).count()).toBe(0);
    expect(await modes()).toEqual([[1, FormatMode.ANNOTATE]]);

    // Changing the mode drops the finished dry run; the next one is for a new version.
    await mode.selectOption({
      label: "Assert formats (a value that does not match its format is a violation)",
    });
    await expect.poll(() => result.count()).toBe(0);
    await page.getByRole("button", { name: "Dry run" }).click();
    await result.getByText("none would break.").waitFor();
    await page.getByRole("button", { name: "Add version 2" }).click();
    await page.getByRole("status").getByText("Version 2 added.").waitFor();
    await expect.poll(() => versions.getByRole("row").count()).toBe(3);
    await expect.poll(() => versions.getByRole("row").nth(1).textContent()).toMatch(/^2.*Assert/);
    await expect.poll(() => versions.getByRole("row").nth(2).textContent()).toMatch(/^1.*Annotate/);
    await expect.poll(() => mode.inputValue()).toBe(String(FormatMode.ASSERT));
    expect(await modes()).toEqual([
      [2, FormatMode.ASSERT],
      [1, FormatMode.ANNOTATE],
    ]);
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);
});
