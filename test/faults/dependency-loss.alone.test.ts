import { fromJson, toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ApiKeyScope, AuthService, ConfigService, SchemaService } from "@guardian/api";
import { hashPassword } from "@guardian/auth-service";
import { createPool } from "@guardian/db";
import {
  failureOf,
  startEtcdCluster,
  startProductionStack,
  startTcpProxy,
  useTestDatabase,
  waitFor,
  type EtcdCluster,
  type ProductionStack,
  type TcpProxy,
} from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// A production stack (a store on a 3-member etcd cluster, one API process) whose PostgreSQL
// connections run through a proxy the test can cut, and whose etcd members it kills.
const db = useTestDatabase();
const project = "faults";
// Longer than any bound the server applies: a write that hangs shows as DeadlineExceeded.
const clientDeadlineMs = 30_000;

let etcd: EtcdCluster;
let link: TcpProxy;
let stack: ProductionStack | undefined;
let config: Client<typeof ConfigService>;
let headers: { authorization: string };
let apiKey: string;
let version: bigint;

const content = (n: number) => fromJson(ValueSchema, { n });
const details = () => stack?.apis[0]?.output().slice(-4_000) ?? "";

/** ReadConfig with the API key over gRPC (the fast route), and over Connect JSON (generic). */
async function readBoth(): Promise<{ fast: ReadView; generic: ReadView }> {
  let fastHeader: string | undefined;
  const fast = await config.readConfig(
    { project, key: "k" },
    {
      headers: { "x-api-key": apiKey },
      onHeader: (h) => (fastHeader = h.get("guardian-stale") ?? undefined),
    },
  );
  const res = await fetch(`${stack!.apis[0]!.url}/guardian.config.v1.ConfigService/ReadConfig`, {
    method: "POST",
    // A deadline sends the call to the generic Connect route.
    headers: {
      "content-type": "application/json",
      "connect-timeout-ms": "10000",
      "x-api-key": apiKey,
    },
    body: JSON.stringify({ project, key: "k" }),
  });
  const body = (await res.json()) as { content: unknown; staleSeconds?: number };
  return {
    fast: {
      content: toJson(ValueSchema, fast.content!),
      stale: fast.staleSeconds,
      ...(fastHeader === undefined ? {} : { header: fastHeader }),
    },
    generic: {
      content: body.content,
      stale: body.staleSeconds ?? 0,
      ...(res.headers.has("guardian-stale") ? { header: res.headers.get("guardian-stale")! } : {}),
    },
  };
}

interface ReadView {
  content: unknown;
  stale: number;
  header?: string;
}

async function update(n: number) {
  return config.updateConfig(
    { project, key: "k", content: content(n) },
    { headers, timeoutMs: clientDeadlineMs },
  );
}

beforeAll(async () => {
  etcd = await startEtcdCluster({ size: 3 });
  link = await startTcpProxy(db.url());
  const admin = createPool({ url: db.url(), max: 1 });
  await admin.query(
    `INSERT INTO users (issuer, subject, username, password_hash, global_roles)
     VALUES ('guardian', 'ops', 'ops', $1, ARRAY['admin'])`,
    [await hashPassword("correct horse battery")],
  );
  await admin.end();
  stack = await startProductionStack({
    databaseUrl: link.url,
    etcdEndpoints: etcd.endpoints,
    apiReplicas: 1,
    apiServices: ["auth", "config", "schema"],
    env: {
      GUARDIAN_READ_STALE_AFTER: "5s",
      GUARDIAN_DATABASE_CONNECT_TIMEOUT: "2s",
      GUARDIAN_ETCD_CALL_TIMEOUT: "2s",
    },
  });
  const transport = createGrpcTransport({ baseUrl: stack.apis[0]!.url });
  const auth = createClient(AuthService, transport);
  const login = await auth.login({ username: "ops", password: "correct horse battery" });
  headers = { authorization: `Bearer ${login.tokens!.accessToken}` };
  config = createClient(ConfigService, transport);
  await config.createProject({ project }, { headers });
  await createClient(SchemaService, transport).createSchema(
    { project, name: "any", content: {} },
    { headers },
  );
  const created = await config.createConfig(
    { project, key: "k", schema: "any", content: content(1) },
    { headers },
  );
  version = created.config!.version;
  const key = await auth.createApiKey(
    { project, name: "reader", scope: ApiKeyScope.READ },
    { headers },
  );
  apiKey = key.secret;
  // Both credentials are verified once, so the cache holds them before anything breaks.
  expect((await readBoth()).fast).toEqual({ content: { n: 1 }, stale: 0 });
  await config.getConfig({ project, key: "k" }, { headers });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await link?.close();
  await etcd?.stop();
});

describe("PostgreSQL down", () => {
  it("serves cached reads, fails writes with Unavailable, and recovers by itself", async () => {
    link.cut();
    // The process knows: its LISTEN connection is gone and its readiness check fails.
    await waitFor(
      async () => {
        const res = await fetch(`${stack!.apis[0]!.url}/readyz`);
        return res.status === 503 && (await res.text()).includes("postgres") ? true : undefined;
      },
      { what: "the API process to notice that PostgreSQL is gone", timeoutMs: 30_000, details },
    );
    const reads = await readBoth();
    expect(reads.fast).toEqual({ content: { n: 1 }, stale: 0 });
    expect(reads.generic).toEqual({ content: { n: 1 }, stale: 0 });
    const got = await config.getConfig({ project, key: "k" }, { headers });
    expect(got.config!.version).toBe(version);
    expect(got.staleSeconds).toBe(0);

    const failed = await failureOf(update(2));
    expect(failed.code, `${failed.message}\n${details()}`).toBe(Code.Unavailable);

    link.restore();
    const written = await waitFor(() => update(3).catch(() => undefined), {
      what: "a write to succeed once PostgreSQL is back",
      timeoutMs: 60_000,
      details,
    });
    version = written.config!.version;
    expect((await readBoth()).fast).toEqual({ content: { n: 3 }, stale: 0 });
  }, 120_000);
});

describe("etcd quorum loss", () => {
  it("fails writes with Unavailable and marks cached reads stale until quorum returns", async () => {
    const leader = await etcd.waitForLeader();
    const victims = etcd.members.filter((m) => m !== leader);
    await Promise.all(victims.map((m) => m.kill()));

    const failed = await failureOf(update(4));
    expect(failed.code, `${failed.message}\n${details()}`).toBe(Code.Unavailable);

    const stale = await waitFor(
      async () => {
        const r = await readBoth();
        return r.fast.stale > 0 && r.generic.stale > 0 ? r : undefined;
      },
      { what: "cached reads to be marked stale", timeoutMs: 30_000, details },
    );
    expect(stale.fast.content).toEqual({ n: 3 });
    expect(stale.generic.content).toEqual({ n: 3 });
    expect(stale.fast.header).toBe(String(stale.fast.stale));
    expect(stale.generic.header).toBe(String(stale.generic.stale));
    const got = await config.getConfig({ project, key: "k" }, { headers });
    expect(got.config!.version).toBe(version);
    expect(got.staleSeconds).toBeGreaterThan(0);

    await Promise.all(victims.map((m) => m.restart()));
    await etcd.waitForLeader({ timeoutMs: 30_000 });
    const written = await waitFor(() => update(5).catch(() => undefined), {
      what: "a write to succeed once quorum is back",
      timeoutMs: 60_000,
      details,
    });
    const fresh = await waitFor(
      async () => {
        const r = await readBoth();
        return r.fast.stale === 0 && r.generic.stale === 0 ? r : undefined;
      },
      { what: "the stale marking to disappear", timeoutMs: 30_000, details },
    );
    expect(fresh.fast).toEqual({ content: { n: 5 }, stale: 0 });
    expect(fresh.generic).toEqual({ content: { n: 5 }, stale: 0 });
    const got2 = await config.getConfig({ project, key: "k" }, { headers });
    expect(got2.config!.version).toBe(written.config!.version);
    expect(got2.staleSeconds).toBe(0);
  }, 120_000);
});
