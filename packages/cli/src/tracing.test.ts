import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService, ConfigService, SchemaService } from "@guardian/api";
import {
  createEmptyDatabase,
  dropDatabase,
  migrateDatabase,
  runGuardian,
  startEtcd,
  startOtlpReceiver,
  startProductionStack,
  waitFor,
  type EtcdCluster,
  type OtlpReceiver,
  type ProductionStack,
  type ReceivedSpan,
} from "@guardian/testkit";
import { afterAll, describe, expect, inject, it } from "vitest";

const password = "the tracing admin's password";
const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const callerSpanId = "00f067aa0ba902b7";

describe("traces of a production stack (a store on etcd, an API process)", () => {
  const { adminUrl } = inject("postgres");
  let name: string | undefined;
  let etcd: EtcdCluster | undefined;
  let stack: ProductionStack | undefined;
  let receiver: OtlpReceiver | undefined;

  afterAll(async () => {
    await stack?.stop();
    await etcd?.stop();
    await receiver?.close();
    if (name) await dropDatabase(adminUrl, name);
  });

  it("puts the API process, the store process and the etcd call of one UpdateConfig under the caller's trace", async () => {
    receiver = await startOtlpReceiver();
    const db = await createEmptyDatabase(adminUrl);
    name = db.name;
    await migrateDatabase(db.url);
    etcd = await startEtcd();
    stack = await startProductionStack({
      databaseUrl: db.url,
      etcdEndpoints: etcd.endpoints,
      apiReplicas: 1,
      apiServices: ["auth", "config", "schema"],
      env: {
        GUARDIAN_LOG_FORMAT: "json",
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: "100",
      },
    });
    const api = stack.apis[0]!;
    const created = await runGuardian(
      ["admin", "create", "--username", "root", "--password-stdin"],
      { DATABASE_URL: db.url },
      `${password}\n`,
    );
    expect(created.code, created.output).toBe(0);
    const transport = createGrpcTransport({ baseUrl: api.url });
    const login = await createClient(AuthService, transport).login({ username: "root", password });
    const headers = { authorization: `Bearer ${login.tokens!.accessToken}` };
    const config = createClient(ConfigService, transport);
    await config.createProject({ project: "payments" }, { headers });
    await createClient(SchemaService, transport).createSchema(
      { project: "payments", name: "limits", content: { type: "object" } },
      { headers },
    );
    await config.createConfig(
      {
        project: "payments",
        key: "eu/checkout",
        schema: "limits",
        content: fromJson(ValueSchema, { max: 1 }),
      },
      { headers },
    );

    // As Envoy would send it: a sampled W3C trace context.
    const updated = await config.updateConfig(
      { project: "payments", key: "eu/checkout", content: fromJson(ValueSchema, { max: 2 }) },
      { headers: { ...headers, traceparent: `00-${traceId}-${callerSpanId}-01` } },
    );
    expect(updated.revision).toBeGreaterThan(0n);

    const inTrace = (match: (s: ReceivedSpan) => boolean) =>
      receiver!.spans.find((s) => s.traceId === traceId && match(s));
    const etcdWrite = await waitFor(
      async () =>
        inTrace((s) => s.service === "guardian-store" && s.name === "etcd: write the config"),
      { what: "the store's etcd write span", timeoutMs: 30_000 },
    );
    const server = await waitFor(
      async () => inTrace((s) => s.name === "guardian.config.v1.ConfigService/UpdateConfig"),
      { what: "the API's UpdateConfig span", timeoutMs: 30_000 },
    );
    expect(server).toMatchObject({
      service: "guardian-auth-config-schema",
      parentSpanId: callerSpanId,
      kind: 2, // server
      attributes: {
        "rpc.system": "grpc",
        "rpc.service": "guardian.config.v1.ConfigService",
        "rpc.method": "UpdateConfig",
        "rpc.grpc.status_code": 0,
      },
    });
    const storeName = "guardian.store.v1.StoreService/Write";
    const client = inTrace((s) => s.service === server.service && s.name === storeName);
    expect(client).toMatchObject({ kind: 3 }); // client
    const storeServer = inTrace((s) => s.service === "guardian-store" && s.name === storeName);
    expect(storeServer).toMatchObject({ kind: 2, parentSpanId: client!.spanId });
    // ...and its request to etcd, one transaction.
    const txn = inTrace((s) => s.parentSpanId === etcdWrite.spanId);
    expect(txn).toMatchObject({
      name: "etcd KV.txn",
      kind: 3,
      attributes: { "db.system": "etcd", "rpc.method": "txn" },
    });
    // The etcd call is made by the engine's write, inside the store's Write call.
    const byId = new Map(receiver.spans.map((s) => [s.spanId, s]));
    const operation = byId.get(etcdWrite.parentSpanId);
    expect(operation).toMatchObject({
      name: "store write",
      parentSpanId: storeServer!.spanId,
      attributes: { "guardian.store.engine": "etcd" },
    });

    // The SQL of the call (its audit event): the statements' text, never their values.
    const sql = receiver.spans.filter(
      (s) => s.traceId === traceId && s.attributes["db.system"] === "postgresql",
    );
    expect(sql.some((s) => /\$1/.test(String(s.attributes["db.statement"])))).toBe(true);
    for (const s of sql) expect(s.attributes["db.statement"]).not.toContain("payments");

    // The per-RPC log line carries the trace.
    const line = api
      .output()
      .split("\n")
      .find((l) => l.includes('"rpc finished"') && l.includes("UpdateConfig"));
    expect(JSON.parse(line!)).toMatchObject({ trace_id: traceId, span_id: server.spanId });
  }, 240_000);
});
