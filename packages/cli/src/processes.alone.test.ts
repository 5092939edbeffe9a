import http from "node:http";
import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService, ConfigService, SchemaService } from "@guardian/api";
import {
  createEmptyDatabase,
  dropDatabase,
  freePort,
  migrateDatabase,
  runGuardian,
  startGuardian,
  startTcpProxy,
  stopGuardian,
  waitFor,
  type RunningGuardian,
  type TcpProxy,
} from "@guardian/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { childPids, connectionOwner } from "./testing/process-tree.js";

const password = "the first admin's password";
const readCalls =
  /guardian_rpc_requests_total\{service="guardian\.config\.v1\.ConfigService",method="ReadConfig",code="ok"\} (\d+)/;

/** One HTTP/1.1 connection to the API port, kept open between requests. */
function connection(): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: 1 });
}

interface Answer {
  status: number;
  body: string;
  /** The server process that holds the connection the answer came on. */
  owner: number | undefined;
}

describe("guardian serve auth config schema cluster with GUARDIAN_PROCESSES=2", () => {
  const { adminUrl } = inject("postgres");
  let name: string | undefined;
  let store: RunningGuardian | undefined;
  let api: RunningGuardian | undefined;
  let token = "";

  /** Sends `path` (a ReadConfig call unless it is /metrics) on `agent`. */
  const call = (agent: http.Agent, path = "/guardian.config.v1.ConfigService/ReadConfig") =>
    new Promise<Answer>((resolve, reject) => {
      const url = new URL(path, api!.url);
      const read = !path.startsWith("/metrics");
      const req = http.request(url, {
        agent,
        method: read ? "POST" : "GET",
        headers: read
          ? { "content-type": "application/json", authorization: `Bearer ${token}` }
          : {},
      });
      req.on("response", (res) => {
        const owner = connectionOwner(
          Number(url.port),
          res.socket.localPort!,
          childPids(api!.child.pid!),
        );
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode!, body, owner }));
      });
      req.on("error", reject);
      req.end(read ? JSON.stringify({ project: "payments", key: "eu/checkout" }) : undefined);
    });

  /** Two open connections served by two different processes, each with its process. */
  const connectionsToBoth = async () => {
    const seen = new Map<number, http.Agent>();
    for (let i = 0; i < 8 && seen.size < 2; i++) {
      const agent = connection();
      const answer = await call(agent);
      expect(answer.status, answer.body).toBe(200);
      if (answer.owner !== undefined && !seen.has(answer.owner)) seen.set(answer.owner, agent);
    }
    expect(seen.size).toBe(2);
    return [...seen];
  };

  beforeAll(async () => {
    const db = await createEmptyDatabase(adminUrl);
    name = db.name;
    await migrateDatabase(db.url);
    const created = await runGuardian(
      ["admin", "create", "--username", "root", "--password-stdin"],
      { DATABASE_URL: db.url },
      `${password}\n`,
    );
    expect(created.code, created.output).toBe(0);
    const env = {
      DATABASE_URL: db.url,
      GUARDIAN_PAGE_TOKEN_SECRET: "page token secret shared by every process",
      GUARDIAN_LOG_LEVEL: "info",
      GUARDIAN_READINESS_INTERVAL: "250ms",
    };
    const storePort = await freePort();
    store = await startGuardian(["serve", "store"], { ...env, GUARDIAN_PORT: String(storePort) });
    api = await startGuardian(["serve", "auth", "config", "schema", "cluster"], {
      ...env,
      GUARDIAN_PROCESSES: "2",
      GUARDIAN_STORE_URL: `http://127.0.0.1:${storePort}`,
    });
    await waitFor(
      async () => (api!.output().includes("every server process listens") ? true : undefined),
      { what: "both server processes to listen", timeoutMs: 120_000, details: api.output },
    );
    const transport = createGrpcTransport({ baseUrl: api.url });
    const login = await createClient(AuthService, transport).login({ username: "root", password });
    token = login.tokens!.accessToken;
    const headers = { authorization: `Bearer ${token}` };
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
        content: fromJson(ValueSchema, { max: 100 }),
      },
      { headers },
    );
  }, 240_000);

  afterAll(async () => {
    if (api) await stopGuardian(api);
    if (store) await stopGuardian(store);
    if (name) await dropDatabase(adminUrl, name);
  });

  it("runs two processes on one port, and both answer reads", async () => {
    expect(childPids(api!.child.pid!)).toHaveLength(2);
    const both = await connectionsToBoth();
    for (const [pid, agent] of both) {
      const answer = await call(agent);
      expect(answer.status, answer.body).toBe(200);
      expect(JSON.parse(answer.body)).toMatchObject({ content: { max: 100 } });
      expect(answer.owner).toBe(pid);
    }
  });

  it("answers /metrics on either process with the calls of both", async () => {
    const both = await connectionsToBoth();
    const scrape = async (agent: http.Agent) => {
      const answer = await call(agent, "/metrics");
      expect(answer.status, answer.body).toBe(200);
      return Number(readCalls.exec(answer.body)?.[1]);
    };
    const before = await scrape(both[0]![1]);
    expect(await scrape(both[1]![1])).toBe(before);
    // Three more reads on one process, two on the other: each scrape counts all five.
    for (const [i, [, agent]] of both.entries()) {
      for (let n = 0; n < 3 - i; n++) expect((await call(agent)).status).toBe(200);
    }
    for (const [pid, agent] of both) {
      const answer = await call(agent, "/metrics");
      expect(answer.owner).toBe(pid);
      expect(Number(readCalls.exec(answer.body)?.[1])).toBe(before + 5);
      expect(answer.body).toContain('guardian_dependency_up{dependency="postgres"} 1');
    }
  });

  it("replaces a killed process, and calls keep succeeding meanwhile", async () => {
    const supervisor = api!.child.pid!;
    const [victim, survivor] = childPids(supervisor) as [number, number];
    process.kill(victim, "SIGKILL");
    await waitFor(async () => (childPids(supervisor).includes(victim) ? undefined : true), {
      what: "the killed process to be gone",
      timeoutMs: 30_000,
    });
    for (let i = 0; i < 4; i++) {
      const answer = await call(connection());
      expect(answer.status, answer.body).toBe(200);
      expect(answer.owner).toBe(survivor);
    }
    const statuses: number[] = [];
    const replacement = await waitFor(
      async () => {
        const answer = await call(connection());
        statuses.push(answer.status);
        return answer.owner !== survivor ? answer.owner : undefined;
      },
      { what: "a replacement process to answer", timeoutMs: 120_000, details: api!.output },
    );
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(childPids(supervisor)).toEqual([survivor, replacement].sort((a, b) => a - b));
    expect(api!.output()).toContain("server process exited; replacing it");
  });

  it("drains every process on SIGTERM and exits 0", async () => {
    const pids = childPids(api!.child.pid!);
    const answer = await call(connection());
    expect(answer.status).toBe(200);
    const code = await stopGuardian(api!);
    const output = api!.output();
    api = undefined;
    expect(code, output).toBe(0);
    const drained = output
      .split("\n")
      .filter((line) => line.includes('"msg":"shutdown finished"'))
      .map((line) => JSON.parse(line) as { pid: number; exitCode: number });
    expect(drained.map((d) => d.pid).sort((a, b) => a - b)).toEqual(pids);
    expect(drained.every((d) => d.exitCode === 0)).toBe(true);
  });
});

describe("guardian serve auth with GUARDIAN_PROCESSES=2 when processes fail to start", () => {
  const { adminUrl } = inject("postgres");
  let name: string | undefined;
  let proxy: TcpProxy | undefined;
  let api: RunningGuardian | undefined;

  afterAll(async () => {
    if (api) await stopGuardian(api);
    await proxy?.close();
    if (name) await dropDatabase(adminUrl, name);
  });

  const env = (databaseUrl: string) => ({
    DATABASE_URL: databaseUrl,
    GUARDIAN_PAGE_TOKEN_SECRET: "page token secret shared by every process",
    GUARDIAN_LOG_LEVEL: "info",
    GUARDIAN_PROCESSES: "2",
  });

  it("reports a first start that fails once, as one process does, and exits with its code", async () => {
    const closed = `postgres://guardian@127.0.0.1:${await freePort()}/guardian`;
    const run = await runGuardian(["serve", "auth"], env(closed));
    expect(run.code, run.output).toBe(1);
    expect(run.output.match(/ECONNREFUSED/g)?.length, run.output).toBeGreaterThan(0);
    expect(run.output.match(/^guardian: Error/gm)).toHaveLength(1);
    expect(run.output).toContain("the first server process failed to start");
  }, 120_000);

  it("gives up with exit code 1 when replacements keep failing to start", async () => {
    const db = await createEmptyDatabase(adminUrl);
    name = db.name;
    await migrateDatabase(db.url);
    proxy = await startTcpProxy(db.url);
    const running = await startGuardian(["serve", "auth"], env(proxy.url));
    api = running;
    await waitFor(
      async () => (running.output().includes("every server process listens") ? true : undefined),
      { what: "both server processes to listen", timeoutMs: 120_000, details: running.output },
    );
    const exited = new Promise<number | null>((resolve) =>
      running.child.once("exit", (code) => resolve(code)),
    );
    // The database goes away and a process dies: every replacement fails at its start.
    proxy.cut();
    process.kill(childPids(running.child.pid!)[0]!, "SIGKILL");
    expect(await exited, running.output()).toBe(1);
    api = undefined;
    expect(running.output()).toContain("server processes keep failing to start");
    expect(running.output().match(/server process exited; replacing it/g)).toHaveLength(5);
    expect(childPids(running.child.pid!)).toEqual([]);
  }, 240_000);
});
