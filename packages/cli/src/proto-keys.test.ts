import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, fromBinary, toBinary, toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { ReadConfigRequestSchema, ReadConfigResponseSchema } from "@guardian/api";
import { bootstrapPassword, startDev, stopGuardian, type RunningGuardian } from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJsonCaller } from "./testing/json-caller.js";

const configs = "guardian.config.v1.ConfigService";

/**
 * JSON with members named "__proto__" at every depth. Built by JSON.parse: in an object
 * literal, `"__proto__": …` would set the prototype instead of making a member.
 */
const document = `{"__proto__": {"x": 1}, "a": {"__proto__": null, "b": [{"__proto__": "s"}]}, "n": 2}`;

describe('members named "__proto__"', () => {
  let dataDir: string;
  let dev: RunningGuardian;
  const api = createJsonCaller(() => dev.url);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "guardian-proto-keys-"));
    dev = await startDev(dataDir);
    const login = await api.call("guardian.auth.v1.AuthService/Login", {
      username: "admin",
      password: bootstrapPassword(dev.output()),
    });
    api.token = login.json.tokens.accessToken;
    await api.call(`${configs}/CreateProject`, { project: "protos" });
    await api.call("guardian.schema.v1.SchemaService/CreateSchema", {
      project: "protos",
      name: "any",
      content: { type: "object" },
    });
    // A schema that itself names the member, and requires it to be a string.
    await api.call("guardian.schema.v1.SchemaService/CreateSchema", {
      project: "protos",
      name: "strict",
      content: JSON.parse(
        `{"type": "object", "required": ["__proto__"], "properties": {"__proto__": {"type": "string"}}}`,
      ) as unknown,
    });
  }, 90_000);

  afterAll(async () => {
    if (dev) await stopGuardian(dev);
    await rm(dataDir, { recursive: true, force: true });
  });

  it("are stored and read back as plain members, over JSON and binary", async () => {
    const created = await api.call(`${configs}/CreateConfig`, {
      project: "protos",
      key: "doc",
      schema: "any",
      content: JSON.parse(document) as unknown,
    });
    expect(created.status, JSON.stringify(created.json)).toBe(200);

    const res = await fetch(`${dev.url}/${configs}/ReadConfig`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${api.token}` },
      body: JSON.stringify({ project: "protos", key: "doc" }),
    });
    const text = await res.text();
    expect(text).toContain('"__proto__"');
    const read = JSON.parse(text) as { content: unknown };
    expect(JSON.stringify(read.content)).toBe(JSON.stringify(JSON.parse(document)));

    const binary = await fetch(`${dev.url}/${configs}/ReadConfig`, {
      method: "POST",
      headers: { "content-type": "application/proto", authorization: `Bearer ${api.token}` },
      body: toBinary(
        ReadConfigRequestSchema,
        create(ReadConfigRequestSchema, { project: "protos", key: "doc" }),
      ),
    });
    const answer = fromBinary(ReadConfigResponseSchema, new Uint8Array(await binary.arrayBuffer()));
    expect(JSON.stringify(toJson(ValueSchema, answer.content!))).toBe(
      JSON.stringify(JSON.parse(document)),
    );
  });

  it("are validated by a schema that names them", async () => {
    const bad = await api.call(`${configs}/CreateConfig`, {
      project: "protos",
      key: "strict-bad",
      schema: "strict",
      content: JSON.parse(`{"__proto__": 5}`) as unknown,
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toContain("__proto__");
    const good = await api.call(`${configs}/CreateConfig`, {
      project: "protos",
      key: "strict-good",
      schema: "strict",
      content: JSON.parse(`{"__proto__": "fine"}`) as unknown,
    });
    expect(good.status, JSON.stringify(good.json)).toBe(200);
  });

  it("are kept as a label key", async () => {
    const res = await api.call(`${configs}/CreateConfig`, {
      project: "protos",
      key: "labeled",
      schema: "any",
      content: {},
      labels: JSON.parse(`{"__proto__": "x", "env": "prod"}`) as unknown,
    });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    const got = await fetch(`${dev.url}/${configs}/GetConfig`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${api.token}` },
      body: JSON.stringify({ project: "protos", key: "labeled" }),
    });
    const labels = (JSON.parse(await got.text()) as { config: { labels: object } }).config.labels;
    expect(Object.entries(labels).sort()).toEqual([
      ["__proto__", "x"],
      ["env", "prod"],
    ]);
  });
});
