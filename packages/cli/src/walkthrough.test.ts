import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { ConfigService } from "@guardian/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJsonCaller } from "./testing/json-caller.js";
import { startDev, stopGuardian, type RunningGuardian, bootstrapPassword } from "@guardian/testkit";

/**
 * The README's first-steps guide, step by step, against a real `guardian dev` process. The
 * unary calls are exactly the README's curl commands (Connect JSON over HTTP/1.1); the watch
 * uses a Connect client with the JSON format over HTTP/1.1.
 */
describe("first steps (README walkthrough)", () => {
  let dataDir: string;
  let dev: RunningGuardian;
  const api = createJsonCaller(() => dev.url);
  const call = api.call;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "guardian-walkthrough-"));
    dev = await startDev(dataDir);
  }, 60_000);

  afterAll(async () => {
    if (dev) await stopGuardian(dev);
    await rm(dataDir, { recursive: true, force: true });
  });

  it("walks from login to rollback, and the watch sees every change", async () => {
    const password = bootstrapPassword(dev.output());

    // 1. Log in as the bootstrap admin.
    const login = await call("guardian.auth.v1.AuthService/Login", { username: "admin", password });
    expect(login.status).toBe(200);
    api.token = login.json.tokens.accessToken;

    // 2. Create a project and a schema.
    const project = await call("guardian.config.v1.ConfigService/CreateProject", {
      project: "payments",
      displayName: "Payments",
    });
    expect(project.json.project.name).toBe("payments");
    const schema = await call("guardian.schema.v1.SchemaService/CreateSchema", {
      project: "payments",
      name: "limits",
      content: {
        type: "object",
        properties: { maxConnections: { type: "integer", minimum: 1, maximum: 1000 } },
        required: ["maxConnections"],
      },
    });
    expect(schema.json.schemaVersion.version).toBe(1);

    // 3. Create a config.
    const created = await call("guardian.config.v1.ConfigService/CreateConfig", {
      project: "payments",
      key: "eu/checkout",
      schema: "limits",
      content: { maxConnections: 100 },
      message: "first limits",
    });
    expect(created.status).toBe(200);
    const v1 = BigInt(created.json.config.version);

    // 4. Watch the project from the next revision.
    const client = createClient(
      ConfigService,
      createConnectTransport({ baseUrl: dev.url, httpVersion: "1.1", useBinaryFormat: false }),
    );
    const ac = new AbortController();
    const seen: { revision: bigint; content: unknown }[] = [];
    const watching = (async () => {
      for await (const msg of client.watch(
        { project: "payments", startRevision: v1 + 1n },
        { headers: { authorization: `Bearer ${api.token}` }, signal: ac.signal },
      )) {
        if (msg.kind.case !== "change") continue;
        seen.push({ revision: msg.kind.value.revision, content: msg.kind.value.config?.content });
        if (seen.length === 2) ac.abort();
      }
    })().catch((err: unknown) => {
      if (!ac.signal.aborted) throw err;
    });

    // 5. A write that breaks the schema is refused with every violation and its pointer.
    const invalid = await call("guardian.config.v1.ConfigService/UpdateConfig", {
      project: "payments",
      key: "eu/checkout",
      content: { maxConnections: 5000 },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.json.code).toBe("invalid_argument");
    expect(invalid.json.message).toContain("/maxConnections");

    // 6. Update with optimistic locking; a stale version is refused.
    const updated = await call("guardian.config.v1.ConfigService/UpdateConfig", {
      project: "payments",
      key: "eu/checkout",
      content: { maxConnections: 200 },
      expectedVersion: String(v1),
      message: "more connections",
    });
    expect(updated.status).toBe(200);
    const v2 = BigInt(updated.json.config.version);
    const stale = await call("guardian.config.v1.ConfigService/UpdateConfig", {
      project: "payments",
      key: "eu/checkout",
      content: { maxConnections: 300 },
      expectedVersion: String(v1),
    });
    expect(stale.json.code).toBe("aborted");

    // 7. Diff and roll back to the first revision.
    const diff = await call("guardian.config.v1.ConfigService/DiffRevisions", {
      project: "payments",
      key: "eu/checkout",
      fromRevision: String(v1),
      toRevision: String(v2),
    });
    expect(diff.json.operations).toEqual([{ op: "replace", path: "/maxConnections", value: 200 }]);
    const rolled = await call("guardian.config.v1.ConfigService/RollbackConfig", {
      project: "payments",
      key: "eu/checkout",
      toRevision: String(v1),
      message: "back to the first limits",
    });
    expect(rolled.json.config.content).toEqual({ maxConnections: 100 });
    const v3 = BigInt(rolled.json.config.version);

    await watching;
    expect(seen.map((s) => s.revision)).toEqual([v2, v3]);

    // 8. History lists every revision, newest first.
    const history = await call("guardian.config.v1.ConfigService/ListRevisions", {
      project: "payments",
      key: "eu/checkout",
    });
    expect(history.json.revisions.map((r: { revision: string }) => BigInt(r.revision))).toEqual([
      v3,
      v2,
      v1,
    ]);
    expect(history.json.revisions[0].changeType).toBe("CHANGE_TYPE_ROLLBACK");
  }, 60_000);
});
