import type { SchemaHarness } from "./harness.js";

/** An app schema that requires a `name` and bounds `port` to 65535. */
export const namedApp = {
  type: "object",
  required: ["name"],
  properties: { name: { type: "string" }, port: { type: "integer", maximum: 65535 } },
};

/** Version 1 of the "app" schema: optional `port` (an integer) and `name` (a string). */
export const appV1 = {
  type: "object",
  properties: { port: { type: "integer" }, name: { type: "string" } },
};

/** A version of "app" that breaks configs without a name or with a port above 1024. */
export const appV2 = {
  type: "object",
  required: ["name"],
  properties: { port: { type: "integer", maximum: 1024 }, name: { type: "string" } },
};

/**
 * Creates a project with schema "app" at {@link appV1} and three configs following the
 * latest version: `a/ok` (valid against both versions), `b/high` and `c/anon` (both broken
 * by {@link appV2}); returns the project and the configs' versions.
 */
export async function seedApp(h: SchemaHarness) {
  const project = await h.newProject();
  await h.schemas().createSchema({ project, name: "app", content: appV1 });
  const versions = {
    ok: await h.putConfig(project, "a/ok", { name: "a", port: 80 }, { schema: "app" }),
    high: await h.putConfig(project, "b/high", { name: "b", port: 8080 }, { schema: "app" }),
    anon: await h.putConfig(project, "c/anon", { port: 9000 }, { schema: "app" }),
  };
  return { project, versions };
}

/** Reads the latest version number of a project's "app" schema. */
export async function appLatestVersion(
  h: SchemaHarness,
  project: string,
): Promise<number | undefined> {
  return (await h.schemas().getSchema({ project, name: "app" })).schema?.latestVersion;
}
