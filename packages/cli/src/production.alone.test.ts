import { fromJson, toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ApiKeyScope, AuthService, ConfigService, SchemaService } from "@guardian/api";
import {
  createEmptyDatabase,
  dropDatabase,
  migrateDatabase,
  runGuardian,
  startEtcdCluster,
  startProductionStack,
  type EtcdCluster,
  type ProductionStack,
} from "@guardian/testkit";
import { afterAll, describe, expect, inject, it } from "vitest";

const password = "the first admin's password";

describe("production from an empty database: migrate, etcd ×3, a store, two API replicas, the first admin", () => {
  const { adminUrl } = inject("postgres");
  let name: string | undefined;
  let etcd: EtcdCluster | undefined;
  let stack: ProductionStack | undefined;

  afterAll(async () => {
    await stack?.stop();
    await etcd?.stop();
    if (name) await dropDatabase(adminUrl, name);
  });

  it("serves what the first admin writes through one replica from both", async () => {
    const db = await createEmptyDatabase(adminUrl);
    name = db.name;
    await migrateDatabase(db.url);
    etcd = await startEtcdCluster();
    stack = await startProductionStack({
      databaseUrl: db.url,
      etcdEndpoints: etcd.endpoints,
      apiReplicas: 2,
    });
    const [a, b] = stack.apis;
    if (!a || !b) throw new Error("two API replicas were asked for");
    const created = await runGuardian(
      ["admin", "create", "--username", "root", "--password-stdin"],
      { DATABASE_URL: db.url },
      `${password}\n`,
    );
    expect(created.code, created.output).toBe(0);
    expect(created.output).toContain('created global admin "root"');

    const viaA = createGrpcTransport({ baseUrl: a.url });
    const viaB = createGrpcTransport({ baseUrl: b.url });
    const login = await createClient(AuthService, viaA).login({ username: "root", password });
    const headers = { authorization: `Bearer ${login.tokens!.accessToken}` };
    const config = createClient(ConfigService, viaA);
    await config.createProject({ project: "payments" }, { headers });
    await createClient(SchemaService, viaA).createSchema(
      {
        project: "payments",
        name: "limits",
        content: { type: "object", properties: { max: { type: "integer" } } },
      },
      { headers },
    );
    const written = await config.createConfig(
      {
        project: "payments",
        key: "eu/checkout",
        schema: "limits",
        content: fromJson(ValueSchema, { max: 100 }),
      },
      { headers },
    );

    for (const transport of [viaA, viaB]) {
      const read = await createClient(ConfigService, transport).getConfig(
        { project: "payments", key: "eu/checkout", minRevision: written.revision },
        { headers },
      );
      expect(toJson(ValueSchema, read.config!.content!)).toEqual({ max: 100 });
      expect(read.config!.version).toBe(written.config!.version);
    }

    const key = await createClient(AuthService, viaA).createApiKey(
      { project: "payments", name: "reader", scope: ApiKeyScope.READ },
      { headers },
    );
    const byKey = await createClient(ConfigService, viaB).readConfig(
      { project: "payments", key: "eu/checkout", minRevision: written.revision },
      { headers: { "x-api-key": key.secret } },
    );
    expect(toJson(ValueSchema, byKey.content!)).toEqual({ max: 100 });
    expect(byKey.etag).toBe(written.config!.version);

    expect(await stack.stop()).toEqual([0, 0, 0]);
    stack = undefined;
  }, 300_000);
});
