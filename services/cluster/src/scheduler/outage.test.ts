import { randomUUID } from "node:crypto";
import { createLogger, sleep } from "@guardian/kit";
import { startTcpProxy, useTestDatabase, waitFor, type TcpProxy } from "@guardian/testkit";
import pg from "pg";
import { afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { createEtcdClusterBackend } from "../backend/etcd/backend.js";
import { loggingJob } from "../testing/scheduler.js";
import { createRunLog, recordOf, runsOf } from "../testing/sql/scheduler-runs.js";
import { startScheduler } from "./scheduler.js";

const db = useTestDatabase();
const logger = createLogger({ level: "silent" });
const prefix = `/guardian-test/${randomUUID()}/cluster/`;
const opened: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  await createRunLog(db.pool());
});
afterEach(async () => {
  for (const r of opened.splice(0).reverse()) await r.close();
});

async function proxied(url: string): Promise<TcpProxy> {
  const proxy = await startTcpProxy(url);
  opened.push(proxy);
  return proxy;
}

function start(jobName: string, records: pg.Pool, endpoints: string[]) {
  const backend = createEtcdClusterBackend({ endpoints, prefix, callTimeoutMs: 1_000 });
  opened.push(backend);
  const scheduler = startScheduler({
    backend,
    pool: records,
    group: randomUUID(),
    jobs: [loggingJob(db.pool(), { name: jobName, intervalMs: 200, replica: "a" })],
    logger,
    electionTtlMs: 2_000,
    tickMs: 50,
  });
  opened.push({ close: () => scheduler.stop() });
  return scheduler;
}

async function ran(job: string) {
  return waitFor(
    async () => ((await runsOf(db.pool(), job)).some((r) => r.finishedAt) ? true : undefined),
    { what: `a run of ${job}`, timeoutMs: 30_000, intervalMs: 25 },
  );
}

describe("the scheduler through outages", () => {
  it("keeps campaigning while etcd cannot be reached, and runs its jobs once it can", async () => {
    const job = `etcd-outage-${randomUUID().slice(0, 8)}`;
    const proxy = await proxied(inject("etcd").endpoints[0]!);
    proxy.cut();
    const scheduler = start(job, db.pool(), [proxy.url]);
    // Several failed campaigns, backed off, and the process is still here.
    await sleep(1_500);
    expect(scheduler.leading).toBe(false);
    expect(await runsOf(db.pool(), job)).toEqual([]);
    proxy.restore();
    await ran(job);
    expect(scheduler.leading).toBe(true);
  });

  it("keeps leading while PostgreSQL cannot be reached, and runs and records its jobs once it can", async () => {
    const job = `db-outage-${randomUUID().slice(0, 8)}`;
    const proxy = await proxied(db.url());
    proxy.cut();
    const records = new pg.Pool({ connectionString: proxy.url, max: 2 });
    records.on("error", () => {});
    opened.push({ close: () => records.end() });
    const scheduler = start(job, records, inject("etcd").endpoints);
    await waitFor(async () => (scheduler.leading ? true : undefined), {
      what: "the scheduler to lead",
      timeoutMs: 30_000,
    });
    expect(await recordOf(db.pool(), job)).toBeUndefined();
    proxy.restore();
    await ran(job);
    await waitFor(
      async () => ((await recordOf(db.pool(), job))?.last_status === "ok" ? true : undefined),
      { what: "the run to be recorded", timeoutMs: 30_000 },
    );
  });
});
