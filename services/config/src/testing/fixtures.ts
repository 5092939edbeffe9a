import { fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { ValueSchema, type Value } from "@bufbuild/protobuf/wkt";
import type { Client } from "@connectrpc/connect";
import type { StoreService } from "@guardian/api";
import { setTimeout as sleep } from "node:timers/promises";

import type { ApiKeyScopeName, Principal } from "@guardian/kit";
import { as, type Harness } from "./harness.js";
import { insertSchemaVersion, upsertSchema } from "./sql/schemas.js";

/** A schema that accepts any JSON value. */
export const anySchema = {};

/** A connection-limits schema: an object with a required integer `maxConnections` ≤ 100. */
export const limitsSchema = {
  type: "object",
  properties: {
    maxConnections: { type: "integer", maximum: 100 },
    name: { type: "string" },
    regions: { type: "array", items: { type: "string" } },
  },
  required: ["maxConnections"],
};

/**
 * Inserts version `version` of a JSON Schema (draft 2020-12) and makes it the latest, and
 * tells the catalog, as the schema service does after adding a version.
 */
export async function seedSchema(
  h: Pick<Harness, "pool" | "catalog">,
  project: string,
  name: string,
  content: object,
  version = 1,
): Promise<void> {
  await upsertSchema(h.pool, project, name, version);
  await insertSchemaVersion(h.pool, { project, name, version, content });
  h.catalog.changed({ project, schema: name });
}

let counter = 0;

/** A fresh project name for one test. */
export function projectName(): string {
  counter += 1;
  return `p${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/**
 * Creates a fresh project through the config service (as `creator`, when given) with
 * `schemas` seeded by name, and returns its name. By default the project has "any"
 * ({@link anySchema}) and "limits" ({@link limitsSchema}).
 */
export async function newProject(
  h: Pick<Harness, "config" | "pool" | "catalog">,
  opts: { schemas?: Record<string, object>; creator?: Principal } = {},
): Promise<string> {
  const name = projectName();
  await h.config.createProject({ project: name }, opts.creator && as(opts.creator));
  for (const [schema, content] of Object.entries(
    opts.schemas ?? { any: anySchema, limits: limitsSchema },
  )) {
    await seedSchema(h, name, schema, content);
  }
  return name;
}

/** A user principal named `name`. */
export function user(name: string): Principal {
  return { kind: "user", id: name, name, account: { issuer: "https://idp.test", subject: name } };
}

/** An API key principal of `project`, limited to `keyPrefix` ("" for all keys). */
export function apiKey(
  project: string,
  keyPrefix = "",
  scope: ApiKeyScopeName = "read",
): Principal {
  return {
    kind: "api_key",
    id: "ak_test",
    name: "apikey:ak_test",
    project,
    apiKey: { id: "ak_test", project, scope, keyPrefix },
  };
}

/** Converts a plain JSON value to the google.protobuf.Value a request carries. */
export function json(value: JsonValue): Value {
  return fromJson(ValueSchema, value);
}

/** Converts a google.protobuf.Value of a response back to plain JSON. */
export function plain(value: Value | undefined): JsonValue | undefined {
  return value && toJson(ValueSchema, value);
}

/**
 * A store client whose watch streams deliver each batch of changes `delayMs` late, as the
 * watch of a busy process may: a read cache over it stays behind the store for that long.
 */
export function lateWatchStore(
  store: Client<typeof StoreService>,
  delayMs: number,
): Client<typeof StoreService> {
  return {
    ...store,
    watchKeys(req, opts) {
      return (async function* () {
        for await (const m of store.watchKeys(req, opts)) {
          if (m.kind.case === "events") await sleep(delayMs);
          yield m;
        }
      })();
    },
  };
}
