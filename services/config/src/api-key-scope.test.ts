import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { as, useHarness } from "./testing/harness.js";
import { anySchema, apiKey, json, newProject, plain } from "./testing/fixtures.js";
import { failureOf } from "@guardian/testkit";

const h = useHarness();

/** A project with the schemas "any" and "other", and configs "eu", "eu/limits", "eu2/secret". */
async function project(): Promise<string> {
  const name = await newProject(h, { schemas: { any: anySchema, other: anySchema } });
  for (const key of ["eu", "eu/limits", "eu2/secret"]) {
    await h.config.createConfig({ project: name, key, content: json(key), schema: "any" });
  }
  return name;
}

describe("an API key's key prefix", () => {
  it("covers the prefix's own key and the keys under it, never a longer sibling", async () => {
    const p = await project();
    const eu = as(apiKey(p, "eu"));
    expect(plain((await h.config.readConfig({ project: p, key: "eu" }, eu)).content)).toBe("eu");
    const limits = await h.config.getConfig({ project: p, key: "eu/limits" }, eu);
    expect(plain(limits.config?.content)).toBe("eu/limits");
    for (const call of [
      h.config.readConfig({ project: p, key: "eu2/secret" }, eu),
      h.config.getConfig({ project: p, key: "eu2/secret" }, eu),
      h.config.listRevisions({ project: p, key: "eu2/secret" }, eu),
      h.config.getRevision({ project: p, key: "eu2/secret", revision: 1n }, eu),
      h.config.diffRevisions({ project: p, key: "eu2/secret" }, eu),
    ]) {
      const err = await failureOf(call);
      expect(err.code).toBe(Code.PermissionDenied);
      expect(err.rawMessage).toContain('under "eu"');
    }
  });

  it("lists and watches only by a prefix that cannot reach outside it", async () => {
    const p = await project();
    const eu = as(apiKey(p, "eu"));
    const wide = await failureOf(h.config.listConfigs({ project: p, prefix: "eu" }, eu));
    expect(wide.code).toBe(Code.PermissionDenied);
    expect(wide.rawMessage).toContain("prefix");
    const inside = await h.config.listConfigs({ project: p, prefix: "eu/" }, eu);
    expect(inside.configs.map((c) => c.key)).toEqual(["eu/limits"]);
    const watch = async (target: { case: "prefix" | "key"; value: string }) => {
      const ac = new AbortController();
      try {
        for await (const m of h.config.watch(
          { project: p, target, sendInitialSnapshot: true },
          { ...eu, signal: ac.signal },
        )) {
          return m;
        }
      } finally {
        ac.abort();
      }
      return undefined;
    };
    const watched = await failureOf(watch({ case: "prefix", value: "eu" }));
    expect(watched.code).toBe(Code.PermissionDenied);
    const sibling = await failureOf(watch({ case: "key", value: "eu2/secret" }));
    expect(sibling.code).toBe(Code.PermissionDenied);
    const first = await watch({ case: "prefix", value: "eu/" });
    expect(first?.kind.case).toBe("snapshot");
    if (first?.kind.case === "snapshot") {
      expect(first.kind.value.configs.map((c) => c.key)).toEqual(["eu/limits"]);
    }
  });
});

describe("a read_write API key", () => {
  it("changes content only: a schema, schema_version or labels change is refused and writes nothing", async () => {
    const p = await project();
    const rw = as(apiKey(p, "", "read_write"));
    const before = (await h.config.getConfig({ project: p, key: "eu" })).config;
    for (const [paths, field] of [
      [["schema"], "schema"],
      [["content", "schema_version"], "schema_version"],
      [["labels"], "labels"],
    ] as const) {
      const err = await failureOf(
        h.config.updateConfig(
          {
            project: p,
            key: "eu",
            content: json("changed"),
            schema: "other",
            schemaVersion: 1,
            labels: { team: "x" },
            updateMask: { paths: [...paths] },
          },
          rw,
        ),
      );
      expect(err.code).toBe(Code.PermissionDenied);
      expect(err.rawMessage).toContain(field);
    }
    const after = (await h.config.getConfig({ project: p, key: "eu" })).config;
    expect(after?.version).toBe(before?.version);
    expect(after?.schema).toBe("any");
    const ok = await h.config.updateConfig({ project: p, key: "eu", content: json("new") }, rw);
    expect(plain(ok.config?.content)).toBe("new");
    expect(ok.config?.schema).toBe("any");
  });
});
