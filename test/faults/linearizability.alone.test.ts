import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService, ConfigService, SchemaService } from "@guardian/api";
import { sleep } from "@guardian/kit";
import {
  checkLinearizability,
  findLostWrites,
  formatAnomaly,
  freePorts,
  runGuardian,
  startEtcdCluster,
  startGuardian,
  stopGuardian,
  useTestDatabase,
  versionedRegister,
  waitFor,
} from "@guardian/testkit";
import type {
  EtcdCluster,
  Operation,
  RecordedRevision,
  RegisterInput,
  RegisterOutput,
  RunningGuardian,
} from "@guardian/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { contentOf, startCasClients, valueOf } from "./cas-clients.js";

const project = "faults";
const keys = ["a", "b", "c"];
const password = "the fault suite's admin password";
const faultCodes = new Set(["Unavailable", "DeadlineExceeded"]);

describe("compare-and-set stays linearizable and loses nothing while etcd members and a store fail", () => {
  const db = useTestDatabase();
  let etcd: EtcdCluster | undefined;
  const processes: RunningGuardian[] = [];

  afterAll(async () => {
    for (const p of processes) {
      if (p.child.exitCode === null && p.child.signalCode === null) await stopGuardian(p);
    }
    for (const member of etcd?.members ?? []) if (!member.stopped) member.thaw();
    await etcd?.stop();
  });

  async function ready(p: RunningGuardian): Promise<RunningGuardian> {
    await waitFor(async () => ((await fetch(`${p.url}/readyz`)).ok ? true : undefined), {
      what: `${p.url}/readyz to answer 200`,
      timeoutMs: 60_000,
      details: p.output,
    });
    return p;
  }

  async function start(args: string[], env: Record<string, string>): Promise<RunningGuardian> {
    const p = await startGuardian(args, env);
    processes.push(p);
    return ready(p);
  }

  it("under a killed etcd leader, a frozen one and a restarted store process", async () => {
    const [cluster, created] = await Promise.all([
      startEtcdCluster(),
      runGuardian(
        ["admin", "create", "--username", "ops", "--password-stdin"],
        { DATABASE_URL: db.url() },
        `${password}\n`,
      ),
    ]);
    etcd = cluster;
    expect(created.code, created.output).toBe(0);
    const env = {
      DATABASE_URL: db.url(),
      GUARDIAN_PAGE_TOKEN_SECRET: "page token secret shared by every process",
      GUARDIAN_LOG_LEVEL: "info",
      GUARDIAN_READINESS_INTERVAL: "250ms",
      GUARDIAN_STORE_ENGINE: "etcd",
      ETCD_ENDPOINTS: etcd.endpoints.join(","),
    };
    const storePorts = await freePorts(2);
    const storeEnv = (i: number) => ({ ...env, GUARDIAN_PORT: String(storePorts[i]) });
    const apiEnv = (i: number) => ({
      ...env,
      GUARDIAN_STORE_URL: `http://127.0.0.1:${storePorts[i]}`,
    });
    const [store0, , api0, api1] = await Promise.all([
      start(["serve", "store"], storeEnv(0)),
      start(["serve", "store"], storeEnv(1)),
      start(["serve", "auth", "config", "schema"], apiEnv(0)),
      start(["serve", "auth", "config", "schema"], apiEnv(1)),
    ]);

    const transports = [api0!, api1!].map((p) => createGrpcTransport({ baseUrl: p.url }));
    const login = await createClient(AuthService, transports[0]!).login({
      username: "ops",
      password,
    });
    const headers = { authorization: `Bearer ${login.tokens!.accessToken}` };
    const config = createClient(ConfigService, transports[1]!);
    await config.createProject({ project }, { headers });
    await createClient(SchemaService, transports[1]!).createSchema(
      { project, name: "w", content: { type: "object", properties: { w: { type: "string" } } } },
      { headers },
    );
    const initial = new Map<string, bigint>();
    for (const key of keys) {
      const r = await config.createConfig(
        { project, key, schema: "w", content: contentOf(`init-${key}`) },
        { headers },
      );
      initial.set(key, r.config!.version);
    }

    const clients = startCasClients({
      transports,
      headers,
      project,
      keys: initial,
      clients: 6,
      callTimeoutMs: 4_000,
    });
    const faults: string[] = [];
    // Each fault is noted with the number of operations invoked before it, to place it in
    // the history an anomaly report prints.
    const fault = (what: string): void =>
      void faults.push(`${what} (after op #${clients.history.operations().length})`);
    try {
      // Each fault waits until the clients have had writes acknowledged since the last one
      // (through API process `via` when given: its clients are the even ones, or the odd).
      const progress = async (what: string, via?: number): Promise<void> => {
        const count = () =>
          clients.acknowledged.filter(
            (w) => via === undefined || Number(/^c(\d+)-/.exec(w.value)![1]) % 2 === via,
          ).length;
        const from = count();
        await waitFor(async () => (count() >= from + 25 ? true : undefined), {
          what: `25 more acknowledged writes ${what}`,
          timeoutMs: 45_000,
          details: () => `faults so far: ${faults.join("; ")}`,
        });
      };
      await progress("before the first fault");

      const killed = await etcd.waitForLeader();
      await killed.kill();
      fault(`SIGKILL etcd leader ${killed.name}`);
      await etcd.waitForLeader({ timeoutMs: 30_000 });
      await progress("with a new etcd leader");
      await killed.restart();
      await etcd.waitForLeader({ timeoutMs: 30_000 });
      fault(`restarted ${killed.name}`);
      await progress("after the killed member rejoined");

      const frozen = await etcd.waitForLeader();
      frozen.freeze();
      fault(`SIGSTOP etcd leader ${frozen.name}`);
      await sleep(3_000);
      frozen.thaw();
      fault(`SIGCONT ${frozen.name}`);
      await etcd.waitForLeader({ timeoutMs: 30_000 });
      await progress("after the frozen member thawed");

      const store = store0!;
      store.child.kill("SIGKILL");
      await new Promise((resolve) => store.child.once("exit", resolve));
      fault("SIGKILL store 0");
      await sleep(1_000);
      await start(["serve", "store"], storeEnv(0));
      fault("restarted store 0");
      await progress("through the API process of the restarted store", 0);
    } finally {
      await clients.stop();
    }

    // The end state, through the other API process.
    const histories = new Map<string, RecordedRevision[]>();
    for (const key of keys) histories.set(key, await revisionsOf(config, headers, key));

    const ops = resolveVersions(clients.history.operations(), histories);
    const lost = findLostWrites(clients.acknowledged, histories);
    const initialValue = (key: string) => ({ version: initial.get(key)!, value: `init-${key}` });
    const model = versionedRegister(initialValue);
    const result = checkLinearizability(model, ops);
    const summary =
      `${ops.length} operations (${clients.acknowledged.length} acknowledged writes, ` +
      `${ops.filter((op) => op.output === undefined).length} of unknown outcome); ` +
      `failed calls ${JSON.stringify(Object.fromEntries(clients.failures))}, ` +
      `for example ${JSON.stringify(Object.fromEntries(clients.examples))}; faults: ${faults.join("; ")}`;
    console.log(summary);
    expect(lost, summary).toEqual([]);
    expect(
      result.anomalies.map((a) => formatAnomaly(model, a) + historyNear(a, histories)),
      summary,
    ).toEqual([]);
    // A backend that fails is Unavailable (or a call runs out of time), never anything else.
    expect(
      [...clients.failures.keys()].filter((c) => !faultCodes.has(c)),
      summary,
    ).toEqual([]);
    expect(faults).toHaveLength(6);
  }, 170_000);
});

type ConfigClient = ReturnType<typeof createClient<typeof ConfigService>>;

/** Every revision of a config, oldest first, with the value each wrote. */
async function revisionsOf(
  config: ConfigClient,
  headers: Record<string, string>,
  key: string,
): Promise<RecordedRevision[]> {
  const all: RecordedRevision[] = [];
  let pageToken = "";
  do {
    const page = await config.listRevisions(
      { project, key, pageSize: 1000, pageToken, includeContent: true },
      { headers },
    );
    for (const r of page.revisions) {
      all.push({ revision: r.revision, value: r.content ? valueOf(r.content) : undefined });
    }
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return all.reverse();
}

/**
 * The recorded revisions of an anomaly's partition from a few before the oldest version its
 * operations name to the end of those they name, so a report shows what each write became.
 */
function historyNear(
  anomaly: { partition: string; involved: Operation<RegisterInput, RegisterOutput>[] },
  histories: Map<string, RecordedRevision[]>,
): string {
  const versions: bigint[] = [];
  for (const op of anomaly.involved) {
    if (op.input.kind === "cas") versions.push(op.input.expected);
    const out = op.output;
    if (out?.kind === "read" || out?.kind === "written") versions.push(out.version);
    if (out?.kind === "conflict" && out.current !== undefined) versions.push(out.current);
  }
  const history = histories.get(anomaly.partition) ?? [];
  const top = versions.reduce((a, b) => (b > a ? b : a), 0n);
  const end = history.findIndex((r) => r.revision > top);
  const near = history.slice(
    Math.max(0, (end < 0 ? history.length : end) - 12),
    end < 0 ? undefined : end + 3,
  );
  return `\n  recorded history of ${anomaly.partition} there: ${near.map((r) => `v${r.revision} ${JSON.stringify(r.value)}`).join(", ")}`;
}

/**
 * Gives each write of unknown outcome the version its unique value has in the history, if
 * any: the write happened, and the checker may place it; otherwise it is left unversioned.
 */
function resolveVersions(
  ops: Operation<RegisterInput, RegisterOutput>[],
  histories: Map<string, RecordedRevision[]>,
): Operation<RegisterInput, RegisterOutput>[] {
  return ops.map((op) => {
    if (op.output !== undefined || op.input.kind === "read") return op;
    const value = op.input.value;
    const found = histories.get(op.partition)?.find((r) => r.value === value);
    return found ? { ...op, input: { ...op.input, version: found.revision } } : op;
  });
}
