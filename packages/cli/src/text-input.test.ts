import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJsonCaller } from "./testing/json-caller.js";
import { startDev, stopGuardian, type RunningGuardian, bootstrapPassword } from "@guardian/testkit";

/**
 * Strings PostgreSQL text and jsonb cannot hold, sent to a real `guardian dev` process over
 * Connect JSON: each is refused as invalid_argument naming the field, and nothing is written.
 */
describe("requests holding NUL characters or lone surrogates", () => {
  let dataDir: string;
  let dev: RunningGuardian;
  const api = createJsonCaller(() => dev.url);
  const call = api.call;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "guardian-text-"));
    dev = await startDev(dataDir);
    const password = bootstrapPassword(dev.output());
    const login = await call("guardian.auth.v1.AuthService/Login", { username: "admin", password });
    api.token = login.json.tokens.accessToken;
    expect(
      (await call("guardian.config.v1.ConfigService/CreateProject", { project: "text" })).status,
    ).toBe(200);
    const schema = { project: "text", name: "any", content: {} };
    expect((await call("guardian.schema.v1.SchemaService/CreateSchema", schema)).status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    if (dev) await stopGuardian(dev);
    await rm(dataDir, { recursive: true, force: true });
  });

  async function auditCount(): Promise<number> {
    const res = await call("guardian.auth.v1.AuthService/ListAuditEvents", { pageSize: 1000 });
    expect(res.status).toBe(200);
    return (res.json.events ?? []).length;
  }

  async function configCount(): Promise<number> {
    const res = await call("guardian.config.v1.ConfigService/ListConfigs", { project: "text" });
    expect(res.status).toBe(200);
    return (res.json.configs ?? []).length;
  }

  // Lone surrogates in string fields already fail JSON decoding (naming the field); those
  // in JSON content and every NUL are refused by the text check.
  const refusals: Array<[Record<string, unknown>, RegExp]> = [
    [{ key: "eu\u0000app" }, /^invalid key: must not contain the NUL/],
    [{ message: "deploy\u0000" }, /^invalid message: must not contain the NUL/],
    [{ labels: { "team\u0000": "x" } }, /^invalid labels: keys must not contain the NUL/],
    [{ labels: { team: "x\ud800" } }, /labels.*invalid UTF8/],
    [{ content: { a: ["ok", "b\u0000"] } }, /^invalid content\["a"\]\[1\]: must not contain/],
    [{ content: { a: "\udc00" } }, /^invalid content\["a"\]: must not contain a lone/],
  ];

  const create = (fields: Record<string, unknown>) =>
    call("guardian.config.v1.ConfigService/CreateConfig", {
      project: "text",
      key: "app",
      schema: "any",
      content: { on: true },
      ...fields,
    });

  it("refuses them in config keys, messages, labels and content, writing nothing", async () => {
    const audits = await auditCount();
    for (const [fields, message] of refusals) {
      const res = await create(fields);
      expect(res.status, JSON.stringify(res.json)).toBe(400);
      expect(res.json.code).toBe("invalid_argument");
      expect(res.json.message).toMatch(message);
    }
    expect(await configCount()).toBe(0);
    expect(await auditCount()).toBe(audits);
    const ok = await create({ content: { emoji: "\ud83d\ude00" } });
    expect(ok.status).toBe(200);
    expect(ok.json.config.content).toEqual({ emoji: "\ud83d\ude00" });
  });

  it("refuses them in every service's requests, before authentication writes anything", async () => {
    const audits = await auditCount();
    const saved = api.token;
    api.token = "";
    const login = await call("guardian.auth.v1.AuthService/Login", {
      username: "ad\u0000min",
      password: "whatever-password",
    });
    api.token = saved;
    expect(login.status).toBe(400);
    expect(login.json.message).toContain("invalid username");
    const schema = await call("guardian.schema.v1.SchemaService/CreateSchema", {
      project: "text",
      name: "s2",
      content: { description: "x\u0000" },
    });
    expect(schema.status).toBe(400);
    expect(schema.json.message).toContain('invalid content["description"]');
    const user = await call("guardian.auth.v1.AuthService/CreateUser", {
      username: "bob",
      displayName: "Bob\u0000",
      password: "a-long-enough-password",
    });
    expect(user.status).toBe(400);
    expect(user.json.message).toContain("invalid display_name");
    expect(await auditCount()).toBe(audits);
  });

  // Requests of 32 KiB or more are decoded on the server's decoding thread, not the event loop.
  const padding = Array.from({ length: 3000 }, (_, i) => `item ${i} é😀`);
  const large = (fields: Record<string, unknown>): Record<string, unknown> => {
    const content = (fields.content ?? {}) as Record<string, unknown>;
    return { ...fields, content: { ...content, padding } };
  };

  it("answers large requests as it answers small ones", async () => {
    const audits = await auditCount();
    const configs = await configCount();
    for (const [fields, message] of refusals) {
      const res = await create(large(fields));
      expect(res.status, JSON.stringify(res.json)).toBe(400);
      expect(res.json.message).toMatch(message);
    }
    expect(await configCount()).toBe(configs);
    expect(await auditCount()).toBe(audits);

    const doc = { padding, n: [0, -1.5, 1e21, 0.1], t: true, f: false, z: null, o: { "": [{}] } };
    const created = await create({ key: "large", content: doc });
    expect(created.status, JSON.stringify(created.json)).toBe(200);
    expect(created.json.config.content).toEqual(doc);
    const key = { project: "text", key: "large" };
    const got = await call("guardian.config.v1.ConfigService/GetConfig", key);
    expect(got.json.config.content).toEqual(doc);
    const updated = await call("guardian.config.v1.ConfigService/UpdateConfig", {
      ...key,
      content: { ...doc, t: false },
    });
    expect(updated.status, JSON.stringify(updated.json)).toBe(200);
    expect((await call("guardian.config.v1.ConfigService/ReadConfig", key)).json.content).toEqual({
      ...doc,
      t: false,
    });

    const description = padding.join(" ");
    const schema = await call("guardian.schema.v1.SchemaService/CreateSchema", {
      project: "text",
      name: "large",
      content: { type: "object", description },
    });
    expect(schema.status, JSON.stringify(schema.json)).toBe(200);
    const version = await call("guardian.schema.v1.SchemaService/AddSchemaVersion", {
      project: "text",
      name: "large",
      contentValue: { type: "object", title: description },
    });
    expect(version.status, JSON.stringify(version.json)).toBe(200);
    expect(version.json.schemaVersion.content).toEqual({ type: "object", title: description });
  });
});
