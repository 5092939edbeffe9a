import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService, ConfigService, SchemaService, WebhookService } from "@guardian/api";
import {
  createEmptyDatabase,
  dropDatabase,
  migrateDatabase,
  runGuardian,
  startEtcdCluster,
  startGuardian,
  startProductionStack,
  stopGuardian,
  waitFor,
  type EtcdCluster,
  type ProductionStack,
  type RunningGuardian,
} from "@guardian/testkit";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";

const password = "the first admin's password";
const changes = 1_000;

/** The receiver side of docs/webhooks.md: signature and timestamp checks, de-duplication by event id. */
function verify(secret: string, headers: IncomingHttpHeaders, body: string): boolean {
  const timestamp = Number(headers["guardian-webhook-timestamp"]);
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300) return false;
  const mac = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  const expected = Buffer.from(`v1=${mac}`);
  const given = Buffer.from(String(headers["guardian-webhook-signature"] ?? ""));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

interface Received {
  /** How many times each event id arrived (a retry after a crash may repeat one). */
  arrivals: Map<string, number>;
  badSignatures: number;
  url: string;
  close(): Promise<void>;
}

async function startReceiver(secret: () => string): Promise<Received> {
  const received: Received = {
    arrivals: new Map(),
    badSignatures: 0,
    url: "",
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      if (!verify(secret(), req.headers, body)) {
        received.badSignatures++;
        res.writeHead(401).end();
        return;
      }
      const id = String(req.headers["guardian-webhook-id"]);
      expect(JSON.parse(body)).toMatchObject({ id });
      received.arrivals.set(id, (received.arrivals.get(id) ?? 0) + 1);
      // A little work per delivery, so that a killed worker has deliveries in flight.
      setTimeout(() => res.writeHead(204).end(), 5);
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  received.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return received;
}

async function leadsWorkerGroup(worker: RunningGuardian): Promise<boolean> {
  const text = await (await fetch(`${worker.url}/metrics`)).text();
  return /guardian_scheduler_leader\{group="worker"\} 1\b/.test(text);
}

describe("webhook deliveries while a worker process is killed and restarted", () => {
  const { adminUrl } = inject("postgres");
  let name: string | undefined;
  let etcd: EtcdCluster | undefined;
  let stack: ProductionStack | undefined;
  const workers: RunningGuardian[] = [];
  let receiver: Received | undefined;

  afterAll(async () => {
    await Promise.all(workers.map((w) => stopGuardian(w).catch(() => null)));
    await stack?.stop();
    await etcd?.stop();
    await receiver?.close();
    if (name) await dropDatabase(adminUrl, name);
  });

  it("delivers each of 1,000 changes, every signature verifying, none missing", async () => {
    const db = await createEmptyDatabase(adminUrl);
    name = db.name;
    await migrateDatabase(db.url);
    etcd = await startEtcdCluster();
    const env = {
      GUARDIAN_WEBHOOK_ALLOW_NETWORKS: "127.0.0.1",
      GUARDIAN_SCHEDULER_ELECTION_TTL: "2s",
      GUARDIAN_JOB_LOCK_TIMEOUT: "3s",
      GUARDIAN_JOB_POLL_INTERVAL: "250ms",
      GUARDIAN_SIGNING_KEY_SECRET: "the deployment's signing key secret",
    };
    stack = await startProductionStack({
      databaseUrl: db.url,
      etcdEndpoints: etcd.endpoints,
      apiReplicas: 1,
      env,
    });
    const startWorker = () => startGuardian(["serve", "worker"], { ...stack!.env });
    workers.push(await startWorker(), await startWorker());
    const created = await runGuardian(
      ["admin", "create", "--username", "root", "--password-stdin"],
      { DATABASE_URL: db.url },
      `${password}\n`,
    );
    expect(created.code, created.output).toBe(0);

    const api = createGrpcTransport({ baseUrl: stack.apis[0]!.url });
    const login = await createClient(AuthService, api).login({ username: "root", password });
    const headers = { authorization: `Bearer ${login.tokens!.accessToken}` };
    const config = createClient(ConfigService, api);
    await config.createProject({ project: "payments" }, { headers });
    await createClient(SchemaService, api).createSchema(
      { project: "payments", name: "limits", content: { type: "object" } },
      { headers },
    );
    let secret = "";
    receiver = await startReceiver(() => secret);
    const hook = await createClient(WebhookService, api).createWebhook(
      { project: "payments", url: receiver.url },
      { headers },
    );
    secret = hook.secret;

    // 1,000 changes over 20 configs: creates, updates, rollbacks and deletes.
    const expected = new Set<string>();
    const record = (revision: bigint) => expected.add(`rev_${revision}`);
    const keys = Array.from({ length: 20 }, (_, i) => `eu/service-${i}`);
    const content = (n: number) => fromJson(ValueSchema, { n });
    const writeKey = async (key: string, count: number) => {
      const first = await config.createConfig(
        { project: "payments", key, schema: "limits", content: content(0) },
        { headers },
      );
      record(first.revision);
      for (let n = 1; n < count - 2; n++) {
        const r = await config.updateConfig(
          { project: "payments", key, content: content(n) },
          { headers },
        );
        record(r.revision);
      }
      const back = await config.rollbackConfig(
        { project: "payments", key, toRevision: first.revision },
        { headers },
      );
      record(back.revision);
      const gone = await config.deleteConfig({ project: "payments", key }, { headers });
      record(gone.revision);
    };
    const writes = Promise.all(keys.map((key) => writeKey(key, changes / keys.length)));

    // Kill the worker that runs the fan-out once deliveries flow, then start a new one.
    await waitFor(async () => (receiver!.arrivals.size >= 200 ? true : undefined), {
      what: "200 deliveries",
      timeoutMs: 120_000,
    });
    const leader = await waitFor(
      async () => {
        for (const w of workers) if (await leadsWorkerGroup(w)) return w;
        return undefined;
      },
      { what: "a worker to lead the worker group", timeoutMs: 30_000 },
    );
    leader.child.kill("SIGKILL");
    workers.splice(workers.indexOf(leader), 1);
    const arrivedBeforeKill = receiver.arrivals.size;
    workers.push(await startWorker());

    await writes;
    expect(expected.size).toBe(changes);
    await waitFor(async () => (receiver!.arrivals.size >= changes ? true : undefined), {
      what: `${changes} distinct deliveries`,
      timeoutMs: 180_000,
      details: () => `${receiver!.arrivals.size} arrived`,
    });
    expect(arrivedBeforeKill).toBeLessThan(changes);
    expect(receiver.badSignatures).toBe(0);
    expect(new Set(receiver.arrivals.keys())).toEqual(expected);

    // The delivery log agrees: one delivery per change, each delivered.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const r = await client.query<{ status: string; n: string }>(
        "SELECT status, count(*) AS n FROM webhook_deliveries GROUP BY status",
      );
      expect(r.rows).toEqual([{ status: "succeeded", n: String(changes) }]);
    } finally {
      await client.end();
    }
  }, 360_000);
});
