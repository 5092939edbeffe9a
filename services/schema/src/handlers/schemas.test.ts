import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import {
  BadRequestSchema,
  Dialect,
  LimitExceededSchema,
  ResourceInUseSchema,
  ValidationFailureSchema,
} from "@guardian/api";
import { describe, expect, it } from "vitest";
import { namedApp } from "../testing/app-schema.js";
import { useHarness } from "../testing/harness.js";
import { failureOf } from "@guardian/testkit";

const h = useHarness({ maxSchemaBytes: 4096 });

describe("CreateSchema and GetSchema", () => {
  it("creates version 1 and returns it with content, author and dialect", async () => {
    const project = await h.newProject();
    const res = await h.schemas().createSchema({
      project,
      name: "app",
      description: "the app config",
      content: namedApp,
      message: "first",
    });
    expect(res.schema).toMatchObject({
      project,
      name: "app",
      latestVersion: 1,
      createdBy: "anonymous",
    });
    expect(res.schemaVersion).toMatchObject({
      version: 1,
      content: namedApp,
      dialect: Dialect.DRAFT_2020_12,
      message: "first",
      forced: false,
    });
    const got = await h.schemas().getSchema({ project, name: "app" });
    expect(got.schema?.description).toBe("the app config");
    expect(got.schemaVersion?.content).toEqual(namedApp);
  });

  it("refuses a name that is taken with AlreadyExists", async () => {
    const project = await h.newProject();
    await h.schemas().createSchema({ project, name: "app", content: namedApp });
    const err = await failureOf(h.schemas().createSchema({ project, name: "app", content: {} }));
    expect(err.code).toBe(Code.AlreadyExists);
    expect(err.rawMessage).toBe(`schema "app" already exists in project "${project}"`);
  });

  it("stores draft-07 schemas and reports their dialect", async () => {
    const project = await h.newProject();
    const content = { $schema: "http://json-schema.org/draft-07/schema#", ...namedApp };
    const res = await h.schemas().createSchema({ project, name: "legacy", content });
    expect(res.schemaVersion?.dialect).toBe(Dialect.DRAFT_07);
    const check = await h.schemas().validateDocument({
      project,
      name: "legacy",
      document: fromJson(ValueSchema, { port: 1 }),
    });
    expect(check.violations.map((v) => v.pointer)).toEqual(["/name"]);
  });

  it("refuses an invalid schema with InvalidArgument and pointers, writing nothing", async () => {
    const project = await h.newProject();
    const err = await failureOf(
      h
        .schemas()
        .createSchema({ project, name: "bad", content: { properties: { a: { type: 5 } } } }),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    const pointers = err.findDetails(ValidationFailureSchema)[0]?.violations.map((v) => v.pointer);
    expect(pointers).toContain("/properties/a/type");
    const missing = await failureOf(h.schemas().getSchema({ project, name: "bad" }));
    expect(missing.code).toBe(Code.NotFound);
  });

  it("accepts unknown keywords with warnings, and refuses remote references naming the $ref", async () => {
    const project = await h.newProject();
    const created = await h
      .schemas()
      .createSchema({ project, name: "a", content: { type: "object", requird: ["x"] } });
    expect(created.warnings).toEqual([
      expect.objectContaining({
        pointer: "/requird",
        message: 'unknown keyword "requird" is ignored',
      }),
    ]);
    const remote = await failureOf(
      h
        .schemas()
        .createSchema({ project, name: "b", content: { $ref: "http://evil.test/s.json" } }),
    );
    expect(remote.code).toBe(Code.InvalidArgument);
    expect(remote.findDetails(ValidationFailureSchema)[0]?.violations[0]?.pointer).toBe("/$ref");
    expect(remote.rawMessage).toContain("schemas are never fetched");
    const listed = await h.schemas().listSchemas({ project });
    expect(listed.schemas.map((x) => x.name)).toEqual(["a"]);
  });

  it("refuses a schema above the size limit with ResourceExhausted and LimitExceeded", async () => {
    const project = await h.newProject();
    const big = { type: "object", description: "x".repeat(5000) };
    const err = await failureOf(h.schemas().createSchema({ project, name: "big", content: big }));
    expect(err.code).toBe(Code.ResourceExhausted);
    const [limit] = err.findDetails(LimitExceededSchema);
    expect(limit?.limit).toBe("schema_size_bytes");
    expect(limit?.max).toBe(4096n);
    expect(limit?.actual).toBeGreaterThan(4096n);
  });

  it("refuses malformed names with BadRequest naming the fields", async () => {
    const err = await failureOf(h.schemas().createSchema({ project: "X", name: "", content: {} }));
    expect(err.code).toBe(Code.InvalidArgument);
    const fields = err.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field);
    expect(fields).toEqual(["project", "name"]);
  });

  it("answers NotFound for an unknown project, schema or version", async () => {
    const project = await h.newProject();
    await h.schemas().createSchema({ project, name: "app", content: namedApp });
    const noProject = await failureOf(
      h.schemas().createSchema({ project: "nowhere", name: "app", content: namedApp }),
    );
    expect([noProject.code, noProject.rawMessage]).toEqual([
      Code.NotFound,
      'project "nowhere" not found',
    ]);
    const noSchema = await failureOf(h.schemas().getSchema({ project, name: "other" }));
    expect([noSchema.code, noSchema.rawMessage]).toEqual([
      Code.NotFound,
      `schema "other" not found in project "${project}"`,
    ]);
    const noVersion = await failureOf(h.schemas().getSchema({ project, name: "app", version: 9 }));
    expect(noVersion.code).toBe(Code.NotFound);
    const noList = await failureOf(h.schemas().listSchemas({ project: "nowhere" }));
    expect(noList.code).toBe(Code.NotFound);
    const noValidate = await failureOf(
      h.schemas().validateDocument({
        project,
        name: "app",
        version: 3,
        document: fromJson(ValueSchema, {}),
      }),
    );
    expect(noValidate.code).toBe(Code.NotFound);
  });
});

describe("UpdateSchema", () => {
  it("changes the description and leaves versions alone", async () => {
    const project = await h.newProject();
    await h.schemas().createSchema({ project, name: "app", content: namedApp });
    const res = await h.schemas().updateSchema({
      project,
      name: "app",
      description: "new words",
      updateMask: { paths: ["description"] },
    });
    expect(res.schema).toMatchObject({ description: "new words", latestVersion: 1 });
  });

  it("refuses an empty mask or other paths", async () => {
    const project = await h.newProject();
    await h.schemas().createSchema({ project, name: "app", content: namedApp });
    for (const paths of [[], ["latest_version"]]) {
      const err = await failureOf(
        h.schemas().updateSchema({ project, name: "app", description: "x", updateMask: { paths } }),
      );
      expect(err.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field).toBe("update_mask");
    }
  });
});

describe("ListSchemas", () => {
  it("pages through schemas by name without losing or repeating any", async () => {
    const project = await h.newProject();
    const names = ["a.b", "a-b", "a_b", "alpha", "beta", "gamma", "z9"];
    for (const name of names) await h.schemas().createSchema({ project, name, content: {} });
    const seen: string[] = [];
    let pageToken = "";
    let pages = 0;
    do {
      const page = await h.schemas().listSchemas({ project, pageSize: 3, pageToken });
      seen.push(...page.schemas.map((s) => s.name));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken !== "");
    expect(seen).toEqual([...names].sort());
    expect(pages).toBe(3);
  });

  it("refuses a page token sent with different fields", async () => {
    const project = await h.newProject();
    for (const name of ["a", "b"]) await h.schemas().createSchema({ project, name, content: {} });
    const first = await h.schemas().listSchemas({ project, pageSize: 1 });
    const err = await failureOf(
      h.schemas().listSchemas({ project, pageSize: 2, pageToken: first.nextPageToken }),
    );
    expect(err.code).toBe(Code.InvalidArgument);
  });
});

describe("DeleteSchema", () => {
  it("is refused with ResourceInUse while a config is bound, and works once none is", async () => {
    const project = await h.newProject();
    await h.schemas().createSchema({ project, name: "app", content: namedApp });
    await h.putConfig(project, "eu/app", { name: "eu" }, { schema: "app", schemaVersion: 1 });
    const err = await failureOf(h.schemas().deleteSchema({ project, name: "app" }));
    expect(err.code).toBe(Code.FailedPrecondition);
    expect(err.findDetails(ResourceInUseSchema)[0]).toMatchObject({
      resource: `projects/${project}/schemas/app`,
      usedBy: [`projects/${project}/configs/eu/app`],
      usedByCount: 1n,
    });
    expect((await h.schemas().getSchema({ project, name: "app" })).schema?.latestVersion).toBe(1);

    await h.putConfig(project, "eu/app", { name: "eu" }, { schema: "" });
    await h.schemas().deleteSchema({ project, name: "app" });
    const gone = await failureOf(h.schemas().getSchema({ project, name: "app" }));
    expect(gone.code).toBe(Code.NotFound);
    const again = await h
      .schemas()
      .createSchema({ project, name: "app", content: { type: "array" } });
    expect(again.schemaVersion?.version).toBe(1);
  });
});
