import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { useHarness } from "./testing/harness.js";
import { failureOf } from "@guardian/testkit";

const h = useHarness();

async function events(project: string) {
  const res = await h.pool().query<{
    action: string;
    target: string;
    result: string;
    error_code: string;
    detail: Record<string, unknown>;
  }>("SELECT action, target, result, error_code, detail FROM audit_log WHERE project = $1 ORDER BY id", [project]);
  return res.rows;
}

const action = (m: string) => `guardian.schema.v1.SchemaService/${m}`;

describe("auditing schema mutations", () => {
  it("records every mutation with its target, outcome and the version written", async () => {
    const project = await h.newProject();
    const content = { type: "object" };
    await h.schemas().createSchema({ project, name: "limits", content });
    await h.schemas().addSchemaVersion({
      project,
      name: "limits",
      content: { type: "object", properties: { a: { type: "string" } } },
    });
    await h.schemas().updateSchema({
      project,
      name: "limits",
      description: "limits",
      updateMask: { paths: ["description"] },
    });
    await failureOf(h.schemas().deleteSchema({ project, name: "missing" }));
    await h.schemas().deleteSchema({ project, name: "limits" });
    // Reads are not audited.
    await failureOf(h.schemas().getSchema({ project, name: "limits" }));
    const target = `projects/${project}/schemas/limits`;
    expect(await events(project)).toEqual([
      {
        action: action("CreateSchema"),
        target,
        result: "ok",
        error_code: "",
        detail: { version: 1 },
      },
      {
        action: action("AddSchemaVersion"),
        target,
        result: "ok",
        error_code: "",
        detail: { version: 2, created: true },
      },
      { action: action("UpdateSchema"), target, result: "ok", error_code: "", detail: {} },
      {
        action: action("DeleteSchema"),
        target: `projects/${project}/schemas/missing`,
        result: "failed",
        error_code: "not_found",
        detail: {},
      },
      { action: action("DeleteSchema"), target, result: "ok", error_code: "", detail: {} },
    ]);
  });

  it("does not change a schema when its audit event cannot be written", async () => {
    const project = await h.newProject();
    await h.pool().query("ALTER TABLE audit_log ADD CONSTRAINT refuse_all CHECK (false) NOT VALID");
    try {
      const err = await failureOf(
        h.schemas().createSchema({ project, name: "limits", content: { type: "object" } }),
      );
      expect(err.code).toBe(Code.Unavailable);
      expect(err.rawMessage).toContain("nothing was changed");
    } finally {
      await h.pool().query("ALTER TABLE audit_log DROP CONSTRAINT refuse_all");
    }
    const err = await failureOf(h.schemas().getSchema({ project, name: "limits" }));
    expect(err.code).toBe(Code.NotFound);
  });
});
