import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { createLogger, type ScheduledJob } from "@guardian/kit";
import {
  makeTempDir,
  removeTempDir,
  startTcpProxy,
  useTestDatabase,
  waitFor,
} from "@guardian/testkit";
import pg from "pg";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ClusterBackend } from "../backend/types.js";
import {
  loggingJob,
  openBackend,
  periodViolations,
  spawnReplica,
  type ElectionPlace,
} from "../testing/scheduler.js";
import { createRunLog, recordOf, runsOf } from "../testing/sql/scheduler-runs.js";
import { startScheduler, type Scheduler } from "./scheduler.js";

const db = useTestDatabase({ poolSize: 10 });
const logger = createLogger({ level: "silent" });
const tickMs = 50;
// Short where a test waits for a dead leader's lease to expire; longer elsewhere, so that a
// busy machine does not depose a leader in the middle of a test that expects one.
const failoverTtlMs = 2_000;
const steadyTtlMs = 6_000;
// An upper bound on the time between two runs of one replica, generous for a busy machine:
// a missed period shows as a gap of a whole interval or more beyond it.
const slackMs = 3_000;
let logDir = "";

beforeAll(async () => {
  await createRunLog(db.pool());
  logDir = await makeTempDir("scheduler-replicas");
});
afterAll(async () => {
  if (logDir) await removeTempDir(logDir);
});

const unique = (what: string) => `${what}-${randomUUID().slice(0, 8)}`;

async function until<T>(what: string, attempt: () => Promise<T | undefined>): Promise<T> {
  return waitFor(attempt, { what, timeoutMs: 30_000, intervalMs: 20 });
}

async function finishedRuns(job: string, atLeast: number, replica?: string) {
  return until(`${atLeast} finished runs of ${job}`, async () => {
    const runs = (await runsOf(db.pool(), job)).filter((r) => r.finishedAt);
    const counted = replica ? runs.filter((r) => r.replica === replica) : runs;
    return counted.length >= atLeast ? runs : undefined;
  });
}

async function metric(registry: Registry, name: string, labels: Record<string, string>) {
  const values = (await registry.getSingleMetric(name)!.get()).values;
  return values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
}

function defineSchedulerSuite(engine: string, place: () => ElectionPlace) {
  describe(`the scheduler, elected on ${engine}`, () => {
    const opened: { close(): Promise<void> }[] = [];
    afterAll(async () => {
      for (const r of opened.reverse()) await r.close();
    });

    function backend(pool = db.pool()): ClusterBackend {
      const b = openBackend(place(), pool);
      opened.push(b);
      return b;
    }

    function replica(
      group: string,
      name: string,
      jobs: ScheduledJob[],
      extra: { backend?: ClusterBackend; registry?: Registry; ttlMs?: number } = {},
    ): Scheduler {
      const scheduler = startScheduler({
        backend: extra.backend ?? backend(),
        pool: db.pool(),
        group,
        jobs,
        logger,
        instanceId: name,
        electionTtlMs: extra.ttlMs ?? steadyTtlMs,
        tickMs,
        ...(extra.registry ? { registry: extra.registry } : {}),
      });
      opened.push({ close: () => scheduler.stop() });
      return scheduler;
    }

    it("runs each job once per period on the leader only, and records every run", async () => {
      const group = unique("g");
      const fast = { name: unique("fast"), intervalMs: 300 };
      const slow = { name: unique("slow"), intervalMs: 450 };
      const registries = { a: new Registry(), b: new Registry() };
      const jobsOf = (r: string) =>
        [fast, slow].map((j) => loggingJob(db.pool(), { ...j, replica: r }));
      const a = replica(group, "a", jobsOf("a"), { registry: registries.a });
      const b = replica(group, "b", jobsOf("b"), { registry: registries.b });
      await finishedRuns(fast.name, 5);
      await finishedRuns(slow.name, 4);
      const leader = a.leading ? "a" : "b";
      expect([a.leading, b.leading].filter(Boolean)).toHaveLength(1);
      expect(await metric(registries[leader], "guardian_scheduler_leader", { group })).toBe(1);
      const follower = leader === "a" ? "b" : "a";
      expect(await metric(registries[follower], "guardian_scheduler_leader", { group })).toBe(0);
      expect(
        await metric(registries[leader], "guardian_scheduler_runs_total", {
          scheduled_job: fast.name,
          outcome: "ok",
        }),
      ).toBeGreaterThanOrEqual(5);
      await a.stop();
      await b.stop();

      for (const job of [fast, slow]) {
        const runs = await runsOf(db.pool(), job.name);
        expect(new Set(runs.map((r) => r.replica))).toEqual(new Set([leader]));
        expect(periodViolations(runs, job.intervalMs, job.intervalMs + tickMs + slackMs)).toEqual(
          [],
        );
        const record = (await recordOf(db.pool(), job.name))!;
        expect(record).toMatchObject({ last_instance: leader, failures: "0" });
        expect(Number(record.runs)).toBe(runs.length);
        expect(BigInt(record.fencing_token)).toBeGreaterThan(0n);
        expect(record.last_finished_at!.getTime()).toBeGreaterThanOrEqual(
          record.last_started_at!.getTime(),
        );
      }
    });

    it("records a failing run as failed and runs the job again one period later", async () => {
      const group = unique("g");
      const job = { name: unique("failing"), intervalMs: 500 };
      const a = replica(group, "a", [
        loggingJob(db.pool(), { ...job, replica: "a", fails: (n) => n <= 2 }),
      ]);
      const failed = await until("a failed run to be recorded", async () => {
        const r = await recordOf(db.pool(), job.name);
        return r?.last_status === "failed" ? r : undefined;
      });
      expect(failed).toMatchObject({ last_error: "run 1 failed", failures: "1", runs: "1" });
      expect(failed.last_success_at).toBeNull();
      const ok = await until("a successful run after the failures", async () => {
        const r = await recordOf(db.pool(), job.name);
        return r?.last_status === "ok" ? r : undefined;
      });
      expect(ok).toMatchObject({ failures: "2", runs: "3", last_error: null });
      expect(ok.last_summary).toEqual({ run: 3 });
      expect(ok.last_success_at).not.toBeNull();
      await a.stop();
      const runs = await runsOf(db.pool(), job.name);
      expect(runs.slice(0, 3).map((r) => r.outcome)).toEqual(["failed", "failed", "ok"]);
      expect(periodViolations(runs, job.intervalMs, job.intervalMs + tickMs + slackMs)).toEqual([]);
    });

    // A replica whose election traffic goes through a proxy: cutting it deposes the replica
    // (its lease expires) while its runs and records still reach PostgreSQL.
    async function cutOffBackend() {
      const where = place();
      const proxy = await startTcpProxy(
        where.engine === "sql" ? where.databaseUrl : where.endpoints[0]!,
      );
      opened.push(proxy);
      if (where.engine === "etcd") {
        return {
          proxy,
          backend: backend(),
          proxied: openBackend({ ...where, endpoints: [proxy.url] }, db.pool()),
        };
      }
      const pool = new pg.Pool({ connectionString: proxy.url, max: 2 });
      pool.on("error", () => {});
      opened.push({ close: () => pool.end() });
      return { proxy, backend: backend(), proxied: openBackend(where, pool) };
    }

    it("keeps a deposed leader from overwriting its successor's record, and aborts its run's signal", async () => {
      const group = unique("g");
      const job = { name: unique("fenced"), intervalMs: 300 };
      const { proxy, backend: direct, proxied } = await cutOffBackend();
      opened.push(proxied);
      let held: (() => void) | undefined;
      let replicaA: Scheduler | undefined;
      const holding = new Promise<AbortSignal>((resolve) => {
        const hold = (signal: AbortSignal) => {
          resolve(signal);
          // Ignores its signal, as a run in the middle of a long step would.
          return new Promise<void>((release) => (held = release));
        };
        replicaA = replica(group, "a", [loggingJob(db.pool(), { ...job, replica: "a", hold })], {
          backend: proxied,
          ttlMs: failoverTtlMs,
        });
      });
      const signal = await holding;
      expect(replicaA!.leading).toBe(true);
      const tokenA = BigInt((await recordOf(db.pool(), job.name))!.fencing_token);
      const b = replica(group, "b", [loggingJob(db.pool(), { ...job, replica: "b" })], {
        backend: direct,
        ttlMs: failoverTtlMs,
      });
      proxy.cut();
      await until("A's run to see its leadership lost", async () =>
        signal.aborted ? true : undefined,
      );
      const recordB = await until("B to record a run", async () => {
        const r = await recordOf(db.pool(), job.name);
        return r?.last_instance === "b" && r.last_status === "ok" ? r : undefined;
      });
      expect(BigInt(recordB.fencing_token)).toBeGreaterThan(tokenA);
      await b.stop();
      const settled = (await recordOf(db.pool(), job.name))!;

      // A's run ends after B's: its record of it is refused.
      held!();
      await replicaA!.stop();
      const runs = await runsOf(db.pool(), job.name);
      expect(runs[0]).toMatchObject({ replica: "a", outcome: "aborted" });
      expect(await recordOf(db.pool(), job.name)).toEqual(settled);
    });

    it("moves the jobs to the other replica when the leader's process is killed, never running one twice in a period", async () => {
      const group = unique("g");
      const job = { name: unique("moving"), intervalMs: 300 };
      const child = spawnReplica({
        place: place(),
        databaseUrl: db.url(),
        group,
        replica: "child",
        jobs: [job],
        electionTtlMs: failoverTtlMs,
        tickMs,
        logFile: join(logDir, `${group}.log`),
      });
      try {
        await waitFor(
          async () => {
            const runs = await runsOf(db.pool(), job.name);
            return runs.filter((r) => r.finishedAt).length >= 2 ? true : undefined;
          },
          {
            what: "the child replica to run the job",
            timeoutMs: 60_000,
            details: () => child.logTail(),
          },
        );
        const b = replica(group, "b", [loggingJob(db.pool(), { ...job, replica: "b" })], {
          ttlMs: failoverTtlMs,
        });
        await finishedRuns(job.name, 4, "child");
        expect(b.leading).toBe(false);
        child.kill("SIGKILL");
        await child.exit;
        await finishedRuns(job.name, 3, "b");
        expect(b.leading).toBe(true);
        await b.stop();
      } finally {
        child.kill("SIGKILL");
      }
      const runs = await runsOf(db.pool(), job.name);
      expect(periodViolations(runs, job.intervalMs, job.intervalMs + tickMs + slackMs)).toEqual([]);
      expect(runs.some((r) => r.replica === "child")).toBe(true);
      expect(runs[runs.length - 1]!.replica).toBe("b");
      expect((await recordOf(db.pool(), job.name))!.last_instance).toBe("b");
    });
  });
}

defineSchedulerSuite("PostgreSQL (the SQL cluster backend)", () => ({
  engine: "sql",
  databaseUrl: db.url(),
}));

const prefix = `/guardian-test/${randomUUID()}/cluster/`;
defineSchedulerSuite("etcd", () => ({
  engine: "etcd",
  endpoints: inject("etcd").endpoints,
  prefix,
}));
